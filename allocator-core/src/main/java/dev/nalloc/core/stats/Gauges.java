package dev.nalloc.core.stats;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The instance-wide gauges whose peaks are tracked rather than sampled: live bytes, live blocks and
 * huge blocks. Threads change the first two at their slow-path events (a batch carved, a page full,
 * freed into while full, emptied, collected) through their {@link ThreadCounters}, which keep the
 * change pending and publish it here when it could make a new peak (raising the peak once the thread
 * looked at its pages) or when it grows beyond {@link #BATCH_BYTES}: the malloc and free fast paths
 * never touch a gauge. Huge blocks are published at once; frees by threads without data of their own
 * are counted per bin in {@link UnownedFrees}, whose sums the bytes and blocks slots add when read.
 * See docs/statistics.md for what this makes exact.
 */
public final class Gauges {

    /** Bytes in live blocks. */
    public static final int BYTES = 0;
    /** Live blocks. */
    public static final int BLOCKS = 1;
    /** Bytes in live huge blocks. */
    public static final int HUGE = 2;
    /** Live huge blocks. */
    public static final int HUGE_COUNT = 3;
    private static final int SLOTS = 4;

    /** A thread publishes its pending changes once they reach this many bytes either way. */
    static final long BATCH_BYTES = 256 * 1024;

    private final AtomicLongArray current = new AtomicLongArray(SLOTS);
    private final AtomicLongArray peak = new AtomicLongArray(SLOTS);
    /** Frees by threads without data of their own (free-only threads): counts per bin, striped. */
    public final UnownedFrees unowned = new UnownedFrees();
    /** Bumped by {@link #resetPeaks}: threads' cached headrooms under the old peaks are void then. */
    private volatile int epoch;

    /** Made by the instance's statistics ({@link EngineStats}). */
    Gauges() {
    }

    /** The {@code epoch} field, a volatile read (a reset of the peaks is seen by the next check). */
    int getVolatileEpoch() {
        return epoch;
    }

    /**
     * The slot's value now, as published (pending changes of threads not included): a volatile read of
     * the slot, plus, for bytes and blocks, the free-only threads' part read opaquely.
     */
    long getVolatileCurrent(int slot) {
        long v = current.get(slot);
        if (slot == BYTES) {
            v += unowned.getOpaqueBytes();
        } else if (slot == BLOCKS) {
            v += unowned.getOpaqueBlocks();
        }
        return v;
    }

    /** The slot's highest published value since the start or the last {@link #resetPeaks}, a volatile read. */
    public long getVolatilePeak(int slot) {
        return peak.get(slot);
    }

    /** True when adding {@code pending} (positive) to the slot would pass its peak. */
    boolean couldPeak(int slot, long pending) {
        return pending > 0 && getVolatileCurrent(slot) + pending > peak.get(slot);
    }

    /**
     * Adds a thread's pending live bytes and blocks; with {@code raise} (values a thread verified: its
     * pages all looked at, see {@code LocalHeap#peakCheck}) the peaks rise to the new values plus
     * {@code goneBytes}, {@code goneBlocks} (the level just before a destroy).
     */
    void publish(int slot, long bytes, long blocks, boolean raise, long goneBytes, long goneBlocks) {
        if (bytes != 0) {
            current.addAndGet(BYTES, bytes);
        }
        if (blocks != 0) {
            current.addAndGet(BLOCKS, blocks);
        }
        if (raise) {
            raisePeak(BYTES, getVolatileCurrent(BYTES) + goneBytes);
            raisePeak(BLOCKS, getVolatileCurrent(BLOCKS) + goneBlocks);
        }
    }

    private void raisePeak(int slot, long value) {
        long p;
        while (value > (p = peak.get(slot)) && !peak.compareAndSet(slot, p, value)) {
            Thread.onSpinWait();
        }
    }

    /**
     * A huge block of {@code bytes} was made (+1, by a thread that then counts it in its live bytes
     * and blocks, see {@link ThreadCounters#hugeMade}) or freed (-1, any thread: taken out of all four
     * gauges at once).
     */
    public void huge(long bytes, int sign) {
        current.addAndGet(HUGE, sign * bytes);
        current.addAndGet(HUGE_COUNT, sign);
        if (sign > 0) {
            raisePeak(HUGE, getVolatileCurrent(HUGE));
            raisePeak(HUGE_COUNT, getVolatileCurrent(HUGE_COUNT));
        } else {
            current.addAndGet(BYTES, -bytes);
            current.addAndGet(BLOCKS, -1);
        }
    }

    /**
     * Every peak becomes the slot's current value (mimalloc's {@code mi_stats_reset} for peaks); the
     * bytes and blocks slots take the exact live figures of a snapshot ({@code bytesNow},
     * {@code blocksNow}): threads' pending changes are not in the published values.
     */
    public void resetPeaks(long bytesNow, long blocksNow) {
        for (int s = 0; s < SLOTS; s++) {
            long v = s == BYTES ? bytesNow : s == BLOCKS ? blocksNow : getVolatileCurrent(s);
            peak.set(s, Math.max(0, v));
        }
        epoch++;
    }

    /** The instance closed: nothing is live any more (peaks stay). */
    public void clear() {
        for (int s = 0; s < SLOTS; s++) {
            current.set(s, 0);
        }
        unowned.clearVolatile();
    }
}
