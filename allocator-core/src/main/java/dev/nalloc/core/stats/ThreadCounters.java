package dev.nalloc.core.stats;


import dev.nalloc.core.memory.SizeClasses;

/**
 * One thread's statistics counters in one allocator instance. Plain fields written only by the
 * owner thread on slow paths; snapshots read them without a lock and sum them over all threads.
 *
 * <p>Live blocks are not counted per call (that would cost two read-modify-writes on every malloc
 * and free): a snapshot sums {@code used} over the pages of the instance's segments
 * ({@code PageCensus}). A page's {@code used} still counts a block that another thread freed until
 * the owner collects it, so the freeing thread subtracts the block here at once
 * ({@link #countRemoteFree}) and the owner adds it back when {@code used} drops
 * ({@link #countCollected}). The sum of these adjustments and the page sums is exact whenever the
 * threads are quiescent.
 *
 * <p>Totals of allocated blocks per size class are derived, not counted per call: a block allocated
 * from a page stays in the page's {@code used} until it is freed and collected back onto the page's
 * {@code free} list, or until its page ends; then it is {@link #settled}. A snapshot adds the live
 * pages' {@code used}: allocated = settled + used. Nothing is counted when blocks are carved or
 * handed out; see docs/statistics.md for what this makes exact.
 *
 * <p>Every field is plain and private: the heap layer changes them through the event methods below
 * (owner thread), snapshots read them through the readers (racy, like the sums).
 */
public final class ThreadCounters {

    /** Per bin: blocks freed into pages of other threads minus such frees collected into this thread's pages. */
    public final long[] adjust = new long[SizeClasses.BIN_COUNT];
    /** Per bin: allocated blocks that no longer show in a live page's {@code used} (see class doc). */
    public final long[] settled = new long[SizeClasses.BIN_COUNT];
    /** Pages this thread's heaps hold. */
    private long pages;
    /** Pages this thread's heaps ever made (fresh and huge pages). */
    private long pagesMade;
    /** Free-list extensions (mimalloc's {@code pages_extended}). */
    private long pagesExtended;
    /** Calls of the generic (slow) allocation path. */
    private long genericCalls;
    /** Bytes requested through the generic path. */
    private long genericBytes;
    /** Heap collections (explicit, periodic from the generic path, and on out of memory). */
    private long collects;
    /** Huge blocks allocated, and their bytes. */
    private long hugeAllocated;
    private long hugeBytes;
    /** The thread has been counted as gone (see {@link EngineStats#threadEnded}). */
    boolean ended;

    // ---- peaks (see Gauges): changes of the live bytes and blocks this thread saw and has not published

    /** The instance's gauges, or null for counters that only hold sums. */
    private final Gauges gauges;
    private long pendingBytes;
    /**
     * Pending bytes at or under which a remote free publishes ({@link #countRemoteFree}): -1 until
     * the first remote free that leaves a decrease pending, then {@code -Gauges.BATCH_BYTES}.
     * Only decreases are published this way (never a rise past a peak without raising it).
     */
    private long remoteFlushAt = -1;
    private long pendingBlocks;
    /**
     * Bytes of blocks the slow path handed to the fast path on pages whose allocations it does not
     * see (non-pristine small pages, see {@code Page#accountedBlocks}) since the thread last looked
     * at its pages: how far the live bytes may have risen unseen.
     */
    private long exposed;
    /** Bytes of increases seen since the thread last looked at all its pages (see {@code LocalHeap#peakCheck}). */
    private long verifyCredit;
    /**
     * Pending bytes (plus {@link #exposed}) beyond which a peak may have been passed: the headroom
     * under the peak seen at the last check, so that most events compare a few fields (see {@link #mayPeak}).
     */
    private long checkAt;
    /** The gauges' {@code epoch} {@link #checkAt} was computed in. */
    private int checkEpoch;
    /** The {@link #verifyCredit} a deferred check waits for (see {@link #checkLater}). */
    private long creditDue;

    /**
     * Bumped each time these counters serve another thread (see {@link EngineStats#reuseCounters});
     * written under the instance's stats lock.
     */
    private int tenure;

    /** Counters that only hold sums (snapshots, retired threads). */
    public ThreadCounters() {
        this(null);
    }

    /** A thread's counters, changing {@code gauges} (null: no peak tracking). */
    public ThreadCounters(Gauges gauges) {
        this.gauges = gauges;
    }

    // ---- events of the owner thread (plain read-modify-writes)

    /** A page joins one of this thread's heaps (adopted from an abandoned segment). */
    public void pageAdded() {
        pages++;
    }

    /** A page leaves this thread's heaps (freed, abandoned, or its huge block released). */
    public void pageRemoved() {
        pages--;
    }

    /** This thread made a page (fresh or huge): one more page held, one more made. */
    public void pageMade() {
        pages++;
        pagesMade++;
    }

    /** Counts {@code n} more pages held (sums: the pages of abandoned segments, which no thread holds). */
    public void addPages(long n) {
        pages += n;
    }

    /** A page's free list was extended. */
    public void pageExtended() {
        pagesExtended++;
    }

    /** A call of the generic (slow) allocation path. */
    public void genericCall() {
        genericCalls++;
    }

    /** {@code size} more bytes requested through the generic path (with {@link #genericCall}). */
    public void addGenericBytes(long size) {
        genericBytes += size;
    }

    /** A heap collection. */
    public void heapCollected() {
        collects++;
    }

    /** A huge block of {@code bytes} allocated (its page's one block, taken at once); the totals only, see {@link #hugeMade}. */
    public void hugeAllocated(long bytes) {
        hugeAllocated++;
        hugeBytes += bytes;
    }

    /** The fast path may take {@code bytes} more of blocks unseen (see {@link #exposed()}). */
    public void addExposed(long bytes) {
        exposed += bytes;
    }

    /** The thread looked at all its pages: nothing is exposed, the increases seen start from 0. */
    public void lookedAtAllPages() {
        exposed = 0;
        verifyCredit = 0;
    }

    // ---- readers (plain; another thread's counters are read racily, like the sums)

    /** Pages this thread's heaps hold. */
    public long pages() {
        return pages;
    }

    /** Pages ever made. */
    public long pagesMade() {
        return pagesMade;
    }

    /** Free-list extensions. */
    public long pagesExtended() {
        return pagesExtended;
    }

    /** Generic-path calls. */
    public long genericCalls() {
        return genericCalls;
    }

    /** Bytes requested through the generic path. */
    public long genericBytes() {
        return genericBytes;
    }

    /** Heap collections. */
    public long collects() {
        return collects;
    }

    /** Huge blocks allocated. */
    public long hugeAllocated() {
        return hugeAllocated;
    }

    /** Bytes of huge blocks allocated. */
    public long hugeBytes() {
        return hugeBytes;
    }

    /** Bytes the fast path may have taken unseen (see the field). */
    public long exposed() {
        return exposed;
    }

    /** Bytes of increases seen since the thread last looked at all its pages. */
    public long verifyCredit() {
        return verifyCredit;
    }

    /** How many times these counters served another thread (see the field). */
    public int tenure() {
        return tenure;
    }

    /** The accounted blocks of a page of {@code blockSize} blocks changed by {@code delta}. */
    public void blocksChanged(long blockSize, long delta) {
        long bytes = delta * blockSize;
        pendingBytes += bytes;
        pendingBlocks += delta;
        verifyCredit += Math.max(bytes, 0); // increases only; no branch (StatsShapeTest)
    }

    /** This thread made a huge block of {@code bytes}: the huge gauges at once, live bytes and blocks pending. */
    public void hugeMade(long bytes) {
        if (gauges == null) {
            return;
        }
        gauges.huge(bytes, 1);
        blocksChanged(bytes, 1);
    }

    /** True when publishing the pending changes could make a new peak of the live bytes or blocks. */
    boolean peakPossible() {
        return peakPossibleWith(0, 0);
    }

    /**
     * {@link #peakPossible()} for the level {@code goneBytes} and {@code goneBlocks} above the pending
     * one (the level before a destroy that already took its blocks out).
     */
    public boolean peakPossibleWith(long goneBytes, long goneBlocks) {
        return gauges != null && (gauges.couldPeak(Gauges.BYTES, pendingBytes + goneBytes)
                || gauges.couldPeak(Gauges.BLOCKS, pendingBlocks + goneBlocks));
    }

    /**
     * Cheap test after an increase: whether the pending bytes (plus {@link #exposed()}) have passed the
     * headroom seen at the last check. Another thread's publication since can make it late (the
     * bound docs/statistics.md gives for several threads).
     */
    public boolean mayPeak() {
        return mayPeakWith(0);
    }

    /** {@link #mayPeak()} with {@code rise} more bytes than pending. */
    public boolean mayPeakWith(long rise) {
        return gauges != null && (pendingBytes + exposed + rise > checkAt || checkEpoch != gauges.getVolatileEpoch())
                && verifyCredit + rise >= creditDue;
    }

    /** True when the live bytes may have passed their peak unseen (through {@link #exposed()} blocks). */
    public boolean exposurePossiblyPeaked() {
        return gauges != null && exposed > 0 && gauges.couldPeak(Gauges.BYTES, pendingBytes + exposed);
    }

    /** After a check found no peak possible: the next one is due when the headroom under the peak is used up. */
    public void checkedNoPeak() {
        if (gauges != null) {
            checkEpoch = gauges.getVolatileEpoch();
            checkAt = gauges.getVolatilePeak(Gauges.BYTES) - gauges.getVolatileCurrent(Gauges.BYTES);
            creditDue = 0;
        }
    }

    /**
     * After a check that could not look at all its pages yet: the next one once the increases seen
     * ({@link #verifyCredit()}) reach {@code credit}.
     */
    public void checkLater(long credit) {
        creditDue = credit;
    }

    /** Publishes the pending changes, without raising peaks, once they have grown large. */
    public void settle() {
        if (Math.abs(pendingBytes) >= Gauges.BATCH_BYTES) {
            flush(false);
        }
    }

    /** Publishes the pending changes without raising peaks. */
    public void flush() {
        flush(false);
    }

    /**
     * Publishes the pending changes; with {@code raisePeaks} the peaks rise to the values published
     * (only when the thread has just looked at all its pages: its part is exact then).
     */
    public void flush(boolean raisePeaks) {
        flushRaising(raisePeaks, 0, 0);
    }

    /**
     * Publishes the pending changes and raises the live bytes and blocks peaks to the level
     * {@code goneBytes} and {@code goneBlocks} above the published one (see {@link #peakPossibleWith}).
     */
    public void flushRaising(long goneBytes, long goneBlocks) {
        flushRaising(true, goneBytes, goneBlocks);
    }

    private void flushRaising(boolean raise, long goneBytes, long goneBlocks) {
        if (gauges == null) {
            return;
        }
        long bytes = pendingBytes;
        long blocks = pendingBlocks;
        pendingBytes = 0;
        pendingBlocks = 0;
        gauges.publish(Gauges.BYTES, bytes, blocks, raise, goneBytes, goneBlocks);
        if (raise) {
            checkAt = goneBytes; // the headroom under the peak now
            creditDue = 0;
            checkEpoch = gauges.getVolatileEpoch();
        } else {
            checkAt -= bytes; // the same headroom, now in the published value
        }
    }

    /**
     * This thread freed a block of {@code bin} that a page of another thread still counts as used.
     *
     * <p>C2 shape: the thread's first remote free that leaves a decrease pending publishes too
     * ({@link #remoteFlushAt}), so that the publishing branch is usually taken before C2 compiles the
     * free path ({@code FreeRouting.freeAddress}, where this is inlined). Taken only once per 256 KiB
     * of remote frees, it was compiled as never taken, and the first batch trapped and threw that
     * whole compiled method away; a run whose early remote frees leave no decrease pending still
     * traps here (docs/performance.md, "The first second's traps").
     */
    public void countRemoteFree(int bin) {
        adjust[bin]--;
        if (gauges != null) {
            blocksChanged(SizeClasses.binSize(bin), -1); // the page's owner takes it out of its accounting
            if (pendingBytes <= remoteFlushAt) {
                remoteFlushAt = -Gauges.BATCH_BYTES;
                flush(false);
            }
        }
    }

    /** The {@code used} count of one of this thread's pages of {@code bin} dropped by {@code n} remote frees. */
    public void countCollected(long n, int bin) {
        adjust[bin] += n;
    }

    /** {@code n} freed blocks of {@code bin} were collected back onto a page's free list. */
    public void settled(int bin, long n) {
        settled[bin] += n;
    }

    /**
     * A page of {@code bin} ends (freed, or emptied for reuse): {@code blocks} of its blocks were
     * allocated and are freed now (see {@code FreeLists.takeEnded}).
     */
    public void pageEnded(int bin, long blocks) {
        settled[bin] += blocks;
    }

    /** Adds every counter of this thread to {@code target} (snapshot sums; racy reads of another thread's fields). */
    // (pending gauge changes are not summed: they are published to the instance's gauges instead)
    public void addTo(ThreadCounters target) {
        for (int b = 0; b < adjust.length; b++) {
            target.adjust[b] += adjust[b];
            target.settled[b] += settled[b];
        }
        target.pages += pages;
        target.pagesMade += pagesMade;
        target.pagesExtended += pagesExtended;
        target.genericCalls += genericCalls;
        target.genericBytes += genericBytes;
        target.collects += collects;
        target.hugeAllocated += hugeAllocated;
        target.hugeBytes += hugeBytes;
    }

    /** Adds every counter to {@code target} and zeroes this one (see {@link EngineStats#retireThread}). */
    void moveTo(ThreadCounters target) {
        flush(); // the thread's last changes reach the gauges
        addTo(target);
        java.util.Arrays.fill(adjust, 0);
        java.util.Arrays.fill(settled, 0);
        pages = 0;
        zeroTotals();
    }

    /** True when these counters change {@code g} (they belong to the instance of those gauges). */
    boolean changes(Gauges g) {
        return gauges == g;
    }

    /** Counters moved to the retired ones ({@link #moveTo}) start again as a new thread's. */
    void resetForReuse() {
        clear();
        zeroTotals();
        ended = false;
        verifyCredit = 0;
        checkAt = 0;
        checkEpoch = 0;
        creditDue = 0;
        tenure++;
    }

    /** Zeroes the totals the thread has added up (they went to the retired counters). */
    private void zeroTotals() {
        pagesMade = 0;
        pagesExtended = 0;
        genericCalls = 0;
        genericBytes = 0;
        collects = 0;
        hugeAllocated = 0;
        hugeBytes = 0;
    }

    /** Forgets every block (the instance closed). */
    public void clear() {
        pendingBytes = 0;
        pendingBlocks = 0;
        exposed = 0;
        java.util.Arrays.fill(adjust, 0);
        java.util.Arrays.fill(settled, 0);
        pages = 0;
    }
}
