package dev.nalloc.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.SplittableRandom;

/**
 * larson's inner loop on one thread: a table of live blocks of random sizes, each step frees a
 * random slot and puts a new block of a random size there. Unlike the headline's malloc+free of
 * one block, every step touches another page and another bin, so it shows the cost of the
 * allocator's per-page state and of blocks out of cache. Scores are per step (one free + one malloc).
 * The table is not freed at the end: the peer is closed first (it gives its memory back, or the
 * fork ends).
 */
@State(Scope.Thread)
public class RandomChurn extends JmhDefaults {

    private static final int STEPS = 1024;

    @Param({"5000"})
    public int slots;

    @Param({"1000"})
    public int maxSize;

    private long[] blocks;
    private int[] slotOf;
    private long[] sizeOf;

    @Setup(Level.Trial)
    public void setUp(PeerState state) {
        SplittableRandom r = new SplittableRandom(42);
        blocks = new long[slots];
        for (int i = 0; i < slots; i++) {
            blocks[i] = state.allocator.malloc(8 + r.nextInt(maxSize - 7));
        }
        // A fixed pseudo-random script, so that the measured loop does no random-number work.
        slotOf = new int[STEPS];
        sizeOf = new long[STEPS];
        for (int i = 0; i < STEPS; i++) {
            slotOf[i] = r.nextInt(slots);
            sizeOf[i] = 8 + r.nextInt(maxSize - 7);
        }
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public void churn(PeerState state) {
        long[] b = blocks;
        for (int i = 0; i < STEPS; i++) {
            int s = slotOf[i];
            state.allocator.free(b[s]);
            b[s] = state.allocator.malloc(sizeOf[i]);
        }
    }
}
