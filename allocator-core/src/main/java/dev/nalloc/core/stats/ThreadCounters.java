package dev.nalloc.core.stats;

import dev.nalloc.core.page.Page;

import dev.nalloc.core.page.SizeClasses;

/**
 * One thread's statistics counters in one allocator instance. Plain fields written only by the
 * owner thread on slow paths; snapshots read them without a lock and sum them over all threads.
 *
 * <p>Live blocks are not counted per call (that would cost two read-modify-writes on every malloc
 * and free): a snapshot sums {@code used} over the pages of the instance's segments
 * ({@link PageCensus}). A page's {@code used} still counts a block that another thread freed until
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
 */
public final class ThreadCounters {

    /** Per bin: blocks freed into pages of other threads minus such frees collected into this thread's pages. */
    public final long[] adjust = new long[SizeClasses.BIN_COUNT];
    /** Per bin: allocated blocks that no longer show in a live page's {@code used} (see class doc). */
    public final long[] settled = new long[SizeClasses.BIN_COUNT];
    /** Pages this thread's heaps hold. */
    public long pages;
    /** Pages this thread's heaps ever made (fresh and huge pages). */
    public long pagesMade;
    /** Free-list extensions (mimalloc's {@code pages_extended}). */
    public long pagesExtended;
    /** Calls of the generic (slow) allocation path. */
    public long genericCalls;
    /** Bytes requested through the generic path. */
    public long genericBytes;
    /** Heap collections (explicit, periodic from the generic path, and on out of memory). */
    public long collects;
    /** Huge blocks allocated, and their bytes. */
    public long hugeAllocated;
    public long hugeBytes;
    /** The thread has been counted as gone (see {@link EngineStats#threadEnded}). */
    public boolean ended;

    /** This thread freed a block of {@code bin} that a page of another thread still counts as used. */
    public void countRemoteFree(int bin) {
        adjust[bin]--;
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
     * {@code page} ends (freed, or emptied for reuse): of its {@code capacity} carved blocks those
     * not on its {@code free} list were allocated (and are freed now), and so were the blocks its
     * rewinds gave back wholesale (kept on the page until now, see {@link Page#takeRewound}).
     */
    public void pageEnded(Page page) {
        settled[page.bin] += page.capacity - FreeLists.freeLength(page) + page.takeRewound();
    }

    /** Adds every counter of this thread to {@code target} (snapshot sums; racy reads of another thread's fields). */
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
    public void moveTo(ThreadCounters target) {
        addTo(target);
        java.util.Arrays.fill(adjust, 0);
        java.util.Arrays.fill(settled, 0);
        pages = 0;
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
        java.util.Arrays.fill(adjust, 0);
        java.util.Arrays.fill(settled, 0);
        pages = 0;
    }
}
