package dev.nalloc.core.heap;

import dev.nalloc.core.segment.SegmentSpace;
import dev.nalloc.core.stats.ThreadCounters;

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
    /** The live heaps of the thread, linked through {@link LocalHeap#nextInThread}. */
    private LocalHeap heapList;

    /** The thread's statistics counters (shared with its segments for the free path). */
    public final ThreadCounters counters;

    public ThreadData(Thread thread, SegmentSpace space, HeapContext context) {
        this.thread = thread;
        this.space = space;
        this.context = context;
        this.counters = space.counters();
    }

    private HeapSlot slot;
    /** Allocations that missed the allocator's heap slot (owner thread only). */
    public int slotMisses;

    /** The (thread, default heap) slot of this thread, made once. */
    public HeapSlot slot() {
        if (slot == null) {
            slot = new HeapSlot(thread, defaultHeap);
        }
        return slot;
    }

    /** The thread's default heap. */
    public LocalHeap defaultHeap() {
        return defaultHeap;
    }

    void setDefaultHeap(LocalHeap heap) {
        this.defaultHeap = heap;
    }

    private static final int POOL_SIZE = 4;
    private final LocalHeap[] heapPool = new LocalHeap[POOL_SIZE];
    private int pooled;

    boolean poolHasRoom() {
        return pooled < POOL_SIZE;
    }

    void poolHeap(LocalHeap heap) {
        heapPool[pooled++] = heap;
    }

    LocalHeap takePooledHeap() {
        if (pooled == 0) {
            return null;
        }
        LocalHeap h = heapPool[--pooled];
        heapPool[pooled] = null;
        return h;
    }

    /** Frees the pages of pooled (destroyed) heaps (collect, thread done). */
    public void drainHeapPool() {
        LocalHeap h;
        while ((h = takePooledHeap()) != null) {
            h.discardPooled();
        }
    }

    /** Heaps waiting in the pool. */
    public int pooledHeaps() {
        return pooled;
    }

    void addHeap(LocalHeap heap) {
        heap.prevInThread = null;
        heap.nextInThread = heapList;
        if (heapList != null) {
            heapList.prevInThread = heap;
        }
        heapList = heap;
    }

    void removeHeap(LocalHeap heap) {
        if (heap.prevInThread != null) {
            heap.prevInThread.nextInThread = heap.nextInThread;
        } else if (heapList == heap) {
            heapList = heap.nextInThread;
        }
        if (heap.nextInThread != null) {
            heap.nextInThread.prevInThread = heap.prevInThread;
        }
        heap.nextInThread = null;
        heap.prevInThread = null;
    }

    /** The live heaps of this thread (owner thread only). */
    public List<LocalHeap> heaps() {
        List<LocalHeap> list = new ArrayList<>();
        for (LocalHeap h = heapList; h != null; h = h.nextInThread) {
            list.add(h);
        }
        return list;
    }
}
