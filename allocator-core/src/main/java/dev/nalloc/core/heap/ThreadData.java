package dev.nalloc.core.heap;

import dev.nalloc.core.segment.SegmentSpace;

import java.util.ArrayList;
import java.util.List;

/**
 * What one thread has in one allocator instance (mimalloc's {@code mi_tld_t}): its segments, its
 * default heap, its first-class heaps, and its statistics counters. Counters are plain fields that
 * only the owner thread writes; {@code stats()} reads them without a lock (a snapshot).
 */
public final class ThreadData {

    public final Thread thread;
    public final SegmentSpace space;
    public final HeapContext context;
    private LocalHeap defaultHeap;
    /** The public handle of the default heap, made on first request. */
    public Object handle;
    private final List<LocalHeap> heaps = new ArrayList<>();

    // ---- statistics, written by the owner thread only
    /** Bytes of blocks allocated minus bytes freed by this thread. */
    public long allocatedBytes;
    /** The peak of {@link #allocatedBytes}. */
    public long allocatedPeak;
    /** Blocks allocated minus blocks freed by this thread. */
    public long allocationCount;
    /** Pages this thread's heaps hold. */
    public long pages;
    /** Calls of the generic (slow) allocation path. */
    public long genericCalls;

    public ThreadData(Thread thread, SegmentSpace space, HeapContext context) {
        this.thread = thread;
        this.space = space;
        this.context = context;
    }

    /** The thread's default heap. */
    public LocalHeap defaultHeap() {
        return defaultHeap;
    }

    void setDefaultHeap(LocalHeap heap) {
        this.defaultHeap = heap;
    }

    void addHeap(LocalHeap heap) {
        heaps.add(heap);
    }

    void removeHeap(LocalHeap heap) {
        heaps.remove(heap);
    }

    /** The live heaps of this thread, default heap first (owner thread only). */
    public List<LocalHeap> heaps() {
        return List.copyOf(heaps);
    }

    /** Counts an allocation of {@code bytes}. */
    public void countAlloc(long bytes) {
        long a = allocatedBytes + bytes;
        allocatedBytes = a;
        allocationCount++;
        if (a > allocatedPeak) {
            allocatedPeak = a;
        }
    }

    /** Counts the free of {@code n} blocks of {@code blockSize} bytes. */
    public void countFreeBlocks(long n, long blockSize) {
        allocatedBytes -= n * blockSize;
        allocationCount -= n;
    }

    /** Counts a free of {@code bytes}. */
    public void countFree(long bytes) {
        allocatedBytes -= bytes;
        allocationCount--;
    }
}
