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

/** malloc + free pairs on one thread, per size from 16 B to 1 MiB. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Benchmark)
public class MallocFree {

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
