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
import org.openjdk.jmh.infra.Control;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One thread allocates 64 B blocks and passes them through a single-producer single-consumer
 * ring to a second thread that frees them: every free is a cross-thread free. Every operation
 * hands over exactly one block, so both sides' scores are the time per block handed over,
 * whichever side is the slower one. (Counting a poll of a full or empty ring as an operation, as
 * this benchmark did before, made the score depend on which side was waiting: a side that polled
 * quickly looked fast.)
 *
 * <p>The ring costs as little as it can, so that the allocators' differences show: each side
 * waits ({@link Thread#onSpinWait}) only at the start of a batch of {@link #BATCH} slots, for the
 * batch's last slot (the other side goes through the ring in order, so the whole batch is then
 * ready); within a batch neither side touches a slot the other side is using, and with
 * {@code RING >= 2 * BATCH} the two sides never wait for each other at once. The ring's ends
 * are kept in each side's own state, not next to the allocator and the ring in the shared one.
 */
public class CrossThreadFree extends JmhDefaults {

    private static final int RING = 1024;
    /** Slots a side fills or empties after one wait (a multiple of a cache line's 8 slots). */
    static final int BATCH = 64;

    /** The allocator and the ring shared by the two threads of one group. */
    @State(Scope.Group)
    public static class Channel {
        @Param({"nalloc", "mimalloc", "glibc", "tcmalloc", "jemalloc", "unsafe", "netty-pooled"})
        public String peer;

        AllocatorUnderTest allocator;
        final AtomicLongArray slots = new AtomicLongArray(RING);

        @Setup(Level.Trial)
        public void open() {
            allocator = Peers.open(peer);
        }

        /** The blocks still in the ring are freed (here, on one thread) before the allocator closes. */
        @TearDown(Level.Trial)
        public void close() {
            for (int i = 0; i < RING; i++) {
                long p = slots.getAndSet(i, 0);
                if (p != 0) {
                    allocator.free(p);
                }
            }
            allocator.close();
        }
    }

    /** The allocating side's end of the ring (the next slot to fill). */
    @State(Scope.Thread)
    public static class Head {
        long next;
    }

    /** The freeing side's end of the ring (the next slot to empty). */
    @State(Scope.Thread)
    public static class Tail {
        long next;
    }

    @Benchmark
    @Group("pingPong")
    @GroupThreads(1)
    public void allocate(Channel c, Head h, Control control) {
        long n = h.next;
        if ((n & (BATCH - 1)) == 0 && !await(c.slots, (int) ((n + BATCH - 1) & (RING - 1)), true, control)) {
            return; // the other side has stopped: the iteration is over
        }
        c.slots.setRelease((int) (n & (RING - 1)), c.allocator.malloc(64));
        h.next = n + 1;
    }

    @Benchmark
    @Group("pingPong")
    @GroupThreads(1)
    public void free(Channel c, Tail t, Control control) {
        long n = t.next;
        if ((n & (BATCH - 1)) == 0 && !await(c.slots, (int) ((n + BATCH - 1) & (RING - 1)), false, control)) {
            return;
        }
        int i = (int) (n & (RING - 1));
        long p = c.slots.getAcquire(i);
        c.slots.setRelease(i, 0);
        c.allocator.free(p);
        t.next = n + 1;
    }

    /**
     * Waits until slot {@code i} is empty (or, with {@code empty} false, full).
     *
     * @return false when the measurement stopped meanwhile
     */
    private static boolean await(AtomicLongArray slots, int i, boolean empty, Control control) {
        while ((slots.getAcquire(i) == 0) != empty) {
            if (control.stopMeasurement) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }
}
