package dev.nalloc.bench.jmh;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.Option;
import dev.nalloc.spi.HeapSelectionPolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The heap-selection trade-off for virtual threads: {@code shared} (the default policy: virtual
 * threads lease one of a bounded set of shared heaps, taking it over from a thread that is parked
 * or ended, and free into it locally while they hold it) against {@code own} ({@link HeapSelectionPolicy#everyThreadOwnsHeap()}: every
 * virtual thread gets thread data and a segment of its own, abandoned when it ends and reclaimed
 * by the next). One operation is a batch of virtual threads, each allocating and freeing
 * {@code perThread} 64-byte blocks and then 8 blocks of 64 to 512 bytes; after each iteration the
 * memory each policy holds is printed (before and after {@code collect(true)}).
 *
 * <p>{@code mvn -B -q install -DskipTests -Pjmh -Djmh.args="VirtualThreadHeaps -f 1 -wi 2 -i 3"}
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class VirtualThreadHeaps extends JmhDefaults {

    @Param({"shared", "own"})
    public String policy;

    /** Blocks each virtual thread allocates and frees: few (short-lived threads) or many (steady state). */
    @Param({"8", "2000"})
    public int perThread;

    /** Virtual threads per operation. */
    @Param({"256"})
    public int threads;

    Allocator allocator;

    @Setup(Level.Trial)
    public void open() {
        // Arenas committed on use, so that committed memory shows what each policy touches.
        var b = Allocator.builder().readEnvironment(false).option(Option.ARENA_EAGER_COMMIT, 0);
        if (policy.equals("own")) {
            b.heapSelectionPolicy(HeapSelectionPolicy.everyThreadOwnsHeap());
        }
        allocator = b.build();
    }

    @TearDown(Level.Trial)
    public void close() {
        allocator.close();
    }

    /** Prints the memory held after the iteration's last batch (before any collect), then after collect(true). */
    @TearDown(Level.Iteration)
    public void report() {
        AllocatorStats s = allocator.stats();
        String before = "committed " + (s.committed() >> 10) + " KiB, " + s.toJson();
        allocator.collect(true);
        System.out.println("\n[" + policy + ", perThread=" + perThread + "] after the batches: " + before
                + "; after collect(true): committed " + (allocator.stats().committed() >> 10) + " KiB");
    }

    @Benchmark
    public void batch() throws InterruptedException {
        Thread[] ts = new Thread[threads];
        Allocator a = allocator;
        int n = perThread;
        for (int i = 0; i < ts.length; i++) {
            ts[i] = Thread.ofVirtual().start(() -> {
                for (int k = 0; k < n; k++) {
                    long p = a.malloc(64);
                    a.free(p);
                }
                long[] keep = new long[8];
                for (int k = 0; k < keep.length; k++) {
                    keep[k] = a.malloc(64 + 64 * k);
                }
                for (long p : keep) {
                    a.free(p);
                }
            });
        }
        for (Thread t : ts) {
            t.join();
        }
    }
}
