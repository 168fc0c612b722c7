package dev.nalloc.core.stats;

/**
 * One thread's statistics counters in one allocator instance. Plain fields written only by the
 * owner thread; snapshots read them without a lock.
 *
 * <p>Live blocks are not counted per call (that would cost two read-modify-writes on every malloc
 * and free): a snapshot sums {@code used} over the pages of the instance's segments
 * ({@link dev.nalloc.core.segment.Segment#addLiveBlocks}). A page's {@code used} still counts a block
 * that another thread freed until the owner collects it, so the freeing thread subtracts the block
 * here at once ({@link #countRemoteFree}) and the owner adds it back when {@code used} drops
 * ({@link #countCollected}). The sum of these adjustments and the page sums is exact whenever the
 * threads are quiescent.
 */
public final class ThreadCounters {

    /** Bytes freed into pages of other threads minus bytes of such frees collected into this thread's pages. */
    public long adjustBytes;
    /** The same in blocks. */
    public long adjustBlocks;
    /** Pages this thread's heaps hold. */
    public long pages;
    /** Calls of the generic (slow) allocation path. */
    public long genericCalls;

    /** This thread freed a block of {@code bytes} that a page of another thread still counts as used. */
    public void countRemoteFree(long bytes) {
        adjustBytes -= bytes;
        adjustBlocks--;
    }

    /** The {@code used} count of one of this thread's pages dropped by {@code n} remote frees. */
    public void countCollected(long n, long blockSize) {
        adjustBytes += n * blockSize;
        adjustBlocks += n;
    }

    /** Forgets every block (the instance closed). */
    public void clear() {
        adjustBytes = 0;
        adjustBlocks = 0;
        pages = 0;
    }
}
