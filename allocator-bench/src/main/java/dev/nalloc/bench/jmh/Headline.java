package dev.nalloc.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;

/**
 * THE headline: malloc + free of 64 bytes on one thread, every allocator through the same
 * interface (targets for Nalloc: at most 5 ns/op, 0 B/op of Java allocation, at least 1.5x
 * faster than mimalloc via FFM). Run with {@code -prof gc} to see B/op.
 */
public class Headline extends JmhDefaults {

    @Benchmark
    public long mallocFree64(PeerState state) {
        long p = state.allocator.malloc(64);
        state.allocator.free(p);
        return p;
    }
}
