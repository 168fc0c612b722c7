package dev.nalloc.bench.jmh;

import dev.nalloc.bench.peer.AllocatorUnderTest;
import dev.nalloc.bench.peer.Peers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One thread allocates 64 B blocks and passes them through a single-producer single-consumer
 * ring to a second thread that frees them: every free is a cross-thread free. A full or empty
 * ring makes the call return without work (counted, so both sides stay honest).
 */
public class CrossThreadFree extends JmhDefaults {

    private static final int RING = 1024;

    /** The allocator and the ring shared by the two threads of one group. */
    @State(Scope.Group)
    public static class Channel {
        @Param({"nalloc", "mimalloc", "glibc", "tcmalloc", "jemalloc", "unsafe", "netty-pooled"})
        public String peer;

        AllocatorUnderTest allocator;
        final AtomicLongArray slots = new AtomicLongArray(RING);
        long head;
        long tail;

        @Setup(Level.Trial)
        public void open() {
            allocator = Peers.open(peer);
        }

        @TearDown(Level.Iteration)
        public void drain() {
            for (int i = 0; i < RING; i++) {
                long p = slots.getAndSet(i, 0);
                if (p != 0) {
                    allocator.free(p);
                }
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            allocator.close();
        }
    }

    @Benchmark
    @Group("pingPong")
    @GroupThreads(1)
    public boolean allocate(Channel c) {
        int i = (int) (c.head & (RING - 1));
        if (c.slots.getAcquire(i) != 0) {
            return false;
        }
        c.slots.setRelease(i, c.allocator.malloc(64));
        c.head++;
        return true;
    }

    @Benchmark
    @Group("pingPong")
    @GroupThreads(1)
    public boolean free(Channel c) {
        int i = (int) (c.tail & (RING - 1));
        long p = c.slots.getAcquire(i);
        if (p == 0) {
            return false;
        }
        c.slots.setRelease(i, 0);
        c.allocator.free(p);
        c.tail++;
        return true;
    }
}
