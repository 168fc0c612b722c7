package dev.nalloc.core.stats;

import dev.nalloc.core.memory.SizeClasses;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Remote frees by threads without thread data of their own (free-only threads, threads whose
 * lease another thread holds): one count per bin, in stripes. The live bytes and blocks these
 * frees take out of the gauges are derived from the same counts when a gauge is read
 * ({@link #getOpaqueBytes}, {@link #getOpaqueBlocks}), not kept in adders of their own.
 *
 * <p>A thread counts in the stripe of its id. The first thread to count there claims the stripe
 * (one compare-and-set, once) and from then on counts with plain stores: no atomic operation on its
 * free path (a read-modify-write there is a full fence per free). A stripe whose claimant has ended
 * is taken over by the next thread that maps to it: the ended thread's counts stay (they are sums),
 * and seeing it ended ({@link Thread#isAlive}) orders its last stores before the new claimant's.
 * A thread whose stripe a live thread holds counts in the shared stripe with atomic adds. Stripes
 * are {@link #STRIDE} longs apart, more than a cache line beyond the bins. Reads sum the stripes
 * without a lock: exact when the freeing threads are quiescent, as every statistic is.
 *
 * <p>Plain arrays with array-element {@link VarHandle}s, not {@code AtomicLongArray} and
 * {@code AtomicReferenceArray}: a free-only thread's count is on every free it makes, and each of
 * those wrappers put one more dependent load (the wrapper's array field) in front of the stripe's
 * claimant and in front of its count.
 *
 * <p>The methods name the ordering they use: a claimant counts with opaque stores
 * ({@link #countOpaque}), the readers sum with opaque loads ({@link #addToOpaque},
 * {@link #getOpaqueBytes}, {@link #getOpaqueBlocks}: each count is whole, the sums exact only once
 * the freeing threads are quiescent), and the close zeroes with volatile stores ({@link #clearVolatile}).
 */
public final class UnownedFrees {

    /** Stripes with one writer each (claimed); the shared stripe comes after them. */
    static final int STRIPES = 16;
    /** Words of a stripe's mask of counted bins. */
    private static final int MASK_WORDS = (SizeClasses.BIN_COUNT + 63) >>> 6;
    static final int STRIDE = SizeClasses.BIN_COUNT + MASK_WORDS + 16;
    /** The stripe of threads whose own stripe a live thread holds: atomic adds. */
    private static final int SHARED = STRIPES;

    /**
     * Per stripe: minus the blocks freed per bin (the owner adds them back in its own counters when
     * it collects them), then a mask of the bins ever counted in the stripe, so that the sums read
     * only those (a gauge is read at every peak check of an allocating thread: a walk of every
     * stripe's every bin there was a slow path's main cost while a heap grew).
     */
    private final long[] counts = new long[(STRIPES + 1) * STRIDE];
    /** The thread that writes each claimed stripe (null: not claimed yet). */
    private final Thread[] claimants = new Thread[STRIPES];

    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle CLAIMANT = MethodHandles.arrayElementVarHandle(Thread[].class);

    /**
     * The calling thread freed a block of {@code bin} that a page of another thread still counts as
     * used. The stripe's claimant counts with a plain read and an opaque store (its only writer:
     * readers see whole values, no fence on the free path); any other thread goes to
     * {@link #countUnclaimed} (a volatile read and CAS of the claimant, else {@code getAndAdd}).
     */
    public void countOpaque(int bin) {
        Thread t = Thread.currentThread();
        int stripe = (int) (t.threadId() & (STRIPES - 1));
        if (claimants[stripe] == t) { // plain read: only t writes t here; only t writes this stripe: no atomic update
            int base = stripe * STRIDE;
            long[] c = counts;
            COUNT.setOpaque(c, base + bin, c[base + bin] - 1);
            int m = base + SizeClasses.BIN_COUNT + (bin >>> 6);
            long bit = 1L << bin;
            long mask = c[m];
            if ((mask & bit) == 0) {
                COUNT.setOpaque(c, m, mask | bit);
            }
        } else {
            countUnclaimed(t, stripe, bin);
        }
    }

    /**
     * {@link #countOpaque} of a thread that has not claimed its stripe: claims it if free (a volatile
     * read and a volatile CAS of the claimant), else counts in the shared stripe with a volatile
     * {@code getAndAdd} (several writers there).
     */
    private void countUnclaimed(Thread t, int stripe, int bin) {
        Thread holder = (Thread) CLAIMANT.getVolatile(claimants, stripe);
        if ((holder == null || !holder.isAlive()) && CLAIMANT.compareAndSet(claimants, stripe, holder, t)) {
            countOpaque(bin); // claimed: counts with opaque stores from now on
            return;
        }
        int base = SHARED * STRIDE;
        COUNT.getAndAdd(counts, base + bin, -1L);
        int m = base + SizeClasses.BIN_COUNT + (bin >>> 6);
        long bit = 1L << bin;
        if ((counts[m] & bit) == 0) { // once per bin
            COUNT.getAndBitwiseOr(counts, m, bit);
        }
    }

    /** Whether the calling thread counts in a stripe of its own (tests; a volatile read of the claimant). */
    boolean claimedByCaller() {
        Thread t = Thread.currentThread();
        return CLAIMANT.getVolatile(claimants, (int) (t.threadId() & (STRIPES - 1))) == t;
    }

    /** Adds the counts per bin, read with opaque loads, to {@code adjust} (a snapshot's sums). */
    public void addToOpaque(long[] adjust) {
        for (int stripe = 0; stripe <= SHARED; stripe++) {
            for (int b = 0; b < SizeClasses.BIN_COUNT; b++) {
                adjust[b] += (long) COUNT.getOpaque(counts, stripe * STRIDE + b);
            }
        }
    }

    /** The change of the live bytes these frees make (zero or negative; opaque loads, see {@link #sum}). */
    long getOpaqueBytes() {
        return sum(BIN_BYTES);
    }

    /** The change of the live blocks these frees make (zero or negative; opaque loads, see {@link #sum}). */
    long getOpaqueBlocks() {
        return sum(ONE_PER_BLOCK);
    }

    /** Weights of {@link #sum}: a bin's block size (bytes), or one (blocks). */
    private static final long[] BIN_BYTES = new long[SizeClasses.BIN_COUNT];
    private static final long[] ONE_PER_BLOCK = new long[SizeClasses.BIN_COUNT];

    static {
        for (int bin = 0; bin < SizeClasses.BIN_COUNT; bin++) {
            BIN_BYTES[bin] = SizeClasses.binSize(bin);
            ONE_PER_BLOCK[bin] = 1;
        }
    }

    /**
     * The sum of the counts of the bins ever counted, each times its {@code weight} (the masks and
     * counts read with opaque loads: each whole, as its claimant last stored it). C2 shape: the
     * weight is a table, not a branch on bytes or blocks (StatsShapeTest); each mask word is walked
     * with its lowest bit set (bin 0 is never counted; the first bin of a later word has a count of 0
     * until its bit is set anyway), so that the walk is never empty (a trap; docs/design-core.md,
     * "Shapes the JIT needs").
     */
    private long sum(long[] weight) {
        long sum = 0;
        for (int stripe = 0; stripe <= SHARED; stripe++) {
            int base = stripe * STRIDE;
            for (int w = 0; w < MASK_WORDS; w++) {
                for (long mask = (long) COUNT.getOpaque(counts, base + SizeClasses.BIN_COUNT + w) | 1L; mask != 0; mask &= mask - 1) {
                    int bin = (w << 6) + Long.numberOfTrailingZeros(mask);
                    sum += (long) COUNT.getOpaque(counts, base + bin) * weight[bin];
                }
            }
        }
        return sum;
    }

    /** The instance closed: every block is gone (every count and mask zeroed with a volatile store). */
    public void clearVolatile() {
        for (int i = 0; i < counts.length; i++) {
            COUNT.setVolatile(counts, i, 0L);
        }
    }
}
