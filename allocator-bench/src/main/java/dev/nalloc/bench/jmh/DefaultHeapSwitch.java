package dev.nalloc.bench.jmh;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.bench.peer.NallocPeer;
import dev.nalloc.bench.peer.Peers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What switching a thread's default heap costs ({@code Allocator.setDefaultHeap}, mimalloc's
 * {@code mi_heap_set_default}): a switch to a first-class heap, one malloc/free of 64 B there, and
 * the switch back, against the malloc/free pair alone. One thread (the JMH thread owns the heap).
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class DefaultHeapSwitch extends JmhDefaults {

    Allocator allocator;
    Heap own;
    Heap other;

    @Setup(Level.Trial)
    public void open() {
        allocator = ((NallocPeer) Peers.open("nalloc")).allocator();
        own = allocator.heap();
        other = allocator.newHeap();
    }

    @TearDown(Level.Trial)
    public void close() {
        other.close();
    }

    @Benchmark
    public long mallocFree64() {
        long p = allocator.malloc(64);
        allocator.free(p);
        return p;
    }

    @Benchmark
    public long switchMallocFree64SwitchBack() {
        allocator.setDefaultHeap(other);
        long p = allocator.malloc(64);
        allocator.free(p);
        allocator.setDefaultHeap(own);
        return p;
    }
}
