package dev.nalloc.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** A buffer grown by realloc from 16 B to {@code limit} in steps of 1.5x (a typical vector), then freed. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Benchmark)
public class ReallocGrowth {

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
