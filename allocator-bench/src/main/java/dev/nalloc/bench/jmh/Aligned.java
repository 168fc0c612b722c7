package dev.nalloc.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Aligned allocation + free of 64 B. Only allocators with an aligned entry point take part
 * (nalloc, mimalloc, glibc, tcmalloc, jemalloc); others fail their setup by design.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Benchmark)
public class Aligned extends JmhDefaults {

    @Param({"64", "4096"})
    public long alignment;

    @Benchmark
    public long mallocAlignedFree(PeerState state) {
        long p = state.allocator.mallocAligned(64, alignment);
        state.allocator.free(p);
        return p;
    }
}
