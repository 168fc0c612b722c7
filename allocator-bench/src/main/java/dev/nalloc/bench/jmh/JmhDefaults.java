package dev.nalloc.bench.jmh;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The run settings every benchmark here shares, in one place: average time in ns, 3 warm-up and
 * 5 measured iterations of 1 s, one fork with the flags of the bench's child JVMs (native access,
 * Unsafe for its peer, no Netty leak detection). JMH reads these class annotations from a
 * benchmark's superclasses; a benchmark that needs other settings (fewer JVM flags, microseconds)
 * declares only that annotation itself, which replaces the one here. Command-line options
 * ({@code -f}, {@code -wi}, {@code -i}, {@code -jvmArgsAppend}...) override both.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Dio.netty.leakDetection.level=disabled"})
public abstract class JmhDefaults {
}
