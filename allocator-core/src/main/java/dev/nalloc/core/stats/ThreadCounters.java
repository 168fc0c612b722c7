package dev.nalloc.core.stats;

/**
 * One thread's statistics counters in one allocator instance. Plain fields written only by the
 * owner thread (no atomics on the hot paths); snapshots read them without a lock. As in mimalloc,
 * a block freed by another thread is counted by the freeing thread.
 */
public final class ThreadCounters {

    /** Bytes of blocks allocated minus bytes freed by this thread. */
    public long allocatedBytes;
    /** The peak of {@link #allocatedBytes}, sampled on slow paths (may miss the last few KiB of a rise). */
    public long allocatedPeak;
    /** Blocks allocated minus blocks freed by this thread. */
    public long allocationCount;
    /** Pages this thread's heaps hold. */
    public long pages;
    /** Calls of the generic (slow) allocation path. */
    public long genericCalls;

    /** Counts an allocation of {@code bytes} (the peak is sampled on slow paths, see {@link #samplePeak}). */
    public void countAlloc(long bytes) {
        allocatedBytes += bytes;
        allocationCount++;
    }

    /**
     * Raises the peak to the current value. Called on the generic allocation path (every few KiB of
     * blocks) and when statistics are read, which keeps the fast path free of the comparison.
     */
    public void samplePeak() {
        long a = allocatedBytes;
        if (a > allocatedPeak) {
            allocatedPeak = a;
        }
    }

    /** Counts a free of {@code bytes}. */
    public void countFree(long bytes) {
        allocatedBytes -= bytes;
        allocationCount--;
    }

    /** Counts the free of {@code n} blocks of {@code blockSize} bytes. */
    public void countFreeBlocks(long n, long blockSize) {
        allocatedBytes -= n * blockSize;
        allocationCount -= n;
    }

    /** Forgets every block (the instance closed). */
    public void clear() {
        allocatedBytes = 0;
        allocationCount = 0;
        pages = 0;
    }
}
