package dev.nalloc.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** malloc + free pairs on one thread, per size from 16 B to 1 MiB. */
@State(Scope.Benchmark)
public class MallocFree extends JmhDefaults {

    @Param({"16", "64", "256", "1024", "4096", "16384", "65536", "262144", "1048576"})
    public long size;

    @Benchmark
    public long mallocFree(PeerState state) {
        long p = state.allocator.malloc(size);
        state.allocator.free(p);
        return p;
    }

    /** calloc (zeroed) + free. */
    @Benchmark
    public long callocFree(PeerState state) {
        long p = state.allocator.calloc(1, size);
        state.allocator.free(p);
        return p;
    }
}
