package dev.nalloc.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** A buffer grown by realloc from 16 B to {@code limit} in steps of 1.5x (a typical vector), then freed. */
@State(Scope.Benchmark)
public class ReallocGrowth extends JmhDefaults {

    @Param({"4096", "1048576"})
    public long limit;

    @Benchmark
    public long grow(PeerState state) {
        long size = 16;
        long p = state.allocator.malloc(size);
        while (size < limit) {
            size += size >>> 1;
            p = state.allocator.realloc(p, size);
        }
        state.allocator.free(p);
        return p;
    }
}
