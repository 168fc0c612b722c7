package dev.nalloc.core.heap;

import dev.nalloc.api.Heap;
import dev.nalloc.core.segment.SegmentSpace;
import dev.nalloc.core.stats.ThreadCounters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one thread has in one allocator instance (mimalloc's {@code mi_tld_t}): its segments, its
 * default heap, its first-class heaps, and its statistics counters. Counters are plain fields that
 * only the owner thread writes; {@code stats()} reads them without a lock (a snapshot).
 */
public final class ThreadData {

    /** The owner thread, or null for the data of a shared heap (a lease: see {@link ThreadHeaps}). */
    public final Thread thread;
    final SegmentSpace space;
    final HeapContext context;
    private LocalHeap defaultHeap;
    /** The public handle of the default heap, made on first request (owner thread, plain). */
    private Heap handle;

    /** The public handle of the default heap, or null before the first request; a plain read (owner thread). */
    public Heap handle() {
        return handle;
    }

    /** Records the public handle of the default heap; a plain store (owner thread). */
    public void setHandle(Heap handle) {
        this.handle = handle;
    }
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

    /** Points where the deferred free function is called (mimalloc's {@code tld->heartbeat}; owner thread). */
    long heartbeat;

    /**
     * {@code threadDone} came while arenas of the thread were open: the data stays (their heaps and
     * segments with it) until the last of them closes, which retires it. The thread itself starts
     * afresh with new data if it allocates again.
     */
    private boolean retireWhenArenasClose;

    /** True when a heap of this thread serves an open arena (see {@link LocalHeap#servesArena}). */
    public boolean hasOpenArenas() {
        for (LocalHeap h = heapList; h != null; h = h.nextInThread) {
            if (h.servesArena && !h.isDead()) {
                return true;
            }
        }
        return false;
    }

    /**
     * An arena of this thread closed (owner thread): true when {@code threadDone} came while it was
     * open and it was the last open one, so that the caller must retire this data now.
     */
    boolean retireAfterArenaClose() {
        return retireWhenArenasClose && !hasOpenArenas();
    }

    /** True when {@code threadDone} waits for this data's arenas (the one test of an arena's close). */
    boolean waitsForArenas() {
        return retireWhenArenasClose;
    }

    /** Marks the data to be retired when its last open arena closes (see {@link #retireAfterArenaClose}). */
    void retireWhenArenasClose() {
        retireWhenArenasClose = true;
    }

    /** Set once, by whoever retires this data (the thread at threadDone, or the reaper of a dead thread). */
    private final AtomicBoolean retired = new AtomicBoolean();

    /**
     * Claims the retirement of this data with a volatile CAS of {@code retired}: true for exactly one
     * caller (the thread at threadDone and a reaper may race).
     */
    boolean casRetired() {
        return retired.compareAndSet(false, true);
    }

    /**
     * True once retired: its heaps are gone and its segments abandoned (a volatile read: what the
     * retiring thread did before its CAS is seen).
     */
    public boolean getVolatileRetired() {
        return retired.get();
    }

    private HeapSlot slot;

    /** The slot of this thread's own default heap (see {@link ThreadHeaps}), made once. */
    public HeapSlot slot() {
        if (slot == null) {
            slot = new HeapSlot(thread, defaultHeap, false, context.salt());
        }
        return slot;
    }

    /** The slot, or null before the first call that needs it. */
    HeapSlot slotIfMade() {
        return slot;
    }

    /**
     * A shared heap's data: its slot is the lease (made by {@link ThreadHeaps}); a thread's own data:
     * the slot of the heap set as its default ({@link ThreadHeaps#setDefault}).
     */
    void setSlot(HeapSlot slot) {
        this.slot = slot;
    }

    /** Retired: the slot names no thread any more, so its table entry is free and no call uses it. */
    void retireSlot() {
        if (slot != null) {
            ThreadHeaps.retired(slot);
        }
    }

    /** The thread's default heap. */
    public LocalHeap defaultHeap() {
        return defaultHeap;
    }

    void setDefaultHeap(LocalHeap heap) {
        this.defaultHeap = heap;
    }

    private static final int POOL_SIZE = 4;
    /**
     * Heaps that hold a pool slot. A heap keeps its slot while it is in use again, so taking a heap
     * from the pool and giving it back flips a bit and stores no reference: no GC write barrier
     * (with G1, a card-marking fence once the array is old) on every arena open and close.
     */
    private final LocalHeap[] heapPool = new LocalHeap[POOL_SIZE];
    /** Bit {@code i} set when {@code heapPool[i]} is pooled: destroyed, emptied, ready for reuse. */
    private int pooledMask;

    /** True when {@code heap} can be pooled: it holds a slot already, or a slot is free. */
    boolean poolHasRoom(LocalHeap heap) {
        if (heap.poolSlot >= 0) {
            return true;
        }
        for (LocalHeap h : heapPool) {
            if (h == null) {
                return true;
            }
        }
        return false;
    }

    /** Pools a destroyed heap (after {@link #poolHasRoom} said yes). */
    void poolHeap(LocalHeap heap) {
        int i = heap.poolSlot;
        if (i < 0) {
            i = 0;
            while (heapPool[i] != null) {
                i++;
            }
            heapPool[i] = heap;
            heap.poolSlot = i;
        }
        pooledMask |= 1 << i;
    }

    /** A pooled heap (the one pooled in the highest slot), or null; it keeps its slot. */
    LocalHeap takePooledHeap() {
        int m = pooledMask;
        if (m == 0) {
            return null;
        }
        int i = 31 - Integer.numberOfLeadingZeros(m);
        pooledMask = m & ~(1 << i);
        return heapPool[i];
    }

    /** The heap goes away for good: its slot, if any, becomes free. */
    void releasePoolSlot(LocalHeap heap) {
        int i = heap.poolSlot;
        if (i >= 0) {
            heapPool[i] = null;
            pooledMask &= ~(1 << i);
            heap.poolSlot = -1;
        }
    }

    /** Frees the pages of pooled (destroyed) heaps (collect, thread done). */
    public void drainHeapPool() {
        int m;
        while ((m = pooledMask) != 0) {
            LocalHeap h = heapPool[Integer.numberOfTrailingZeros(m)];
            releasePoolSlot(h);
            HeapDestroy.discardPooled(h);
        }
    }

    /** Heaps waiting in the pool. */
    int pooledHeaps() {
        return Integer.bitCount(pooledMask);
    }

    /** The first of the thread's live heaps (linked through {@link LocalHeap#nextInThread}); owner thread. */
    LocalHeap firstHeap() {
        return heapList;
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

    /** True when {@code heap} is the one live heap of this thread (owner thread only). */
    boolean hasOnlyHeap(LocalHeap heap) {
        return heapList == heap && heap.nextInThread == null;
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
