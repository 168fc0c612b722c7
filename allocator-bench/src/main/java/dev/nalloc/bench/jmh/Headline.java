package dev.nalloc.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * THE headline: malloc + free of 64 bytes on one thread, every allocator through the same
 * interface (targets for Nalloc: at most 5 ns/op, 0 B/op of Java allocation, at least 1.5x
 * faster than mimalloc via FFM). Run with {@code -prof gc} to see B/op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Dio.netty.leakDetection.level=disabled"})
public class Headline {

    @Benchmark
    public long mallocFree64(PeerState state) {
        long p = state.allocator.malloc(64);
        state.allocator.free(p);
        return p;
    }
}
