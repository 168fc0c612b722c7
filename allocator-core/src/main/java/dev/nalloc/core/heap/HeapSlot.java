package dev.nalloc.core.heap;

import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentSpace;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A heap as the fast paths reach it: the heap, its direct page table, the thread that may use it
 * now ({@link #owner}) and that thread's free-path cache. {@link ThreadHeaps} finds a thread's slot
 * by thread id; the fast paths then check {@code owner == Thread.currentThread()} and go on without
 * another lookup.
 *
 * <p>Two kinds:
 * <ul>
 * <li>an <em>own</em> slot: the default heap of a thread with data of its own; its owner is that
 * thread from the start until the data is retired, or the thread sets another default heap
 * ({@link ThreadHeaps#setDefault}: a new slot), then null;</li>
 * <li>a <em>lease</em>: one of the shared heaps of the threads that own none (virtual threads by
 * default). Its owner is the thread that leased it last, until another thread takes it over (see
 * {@link ThreadHeaps} for when that is allowed and why it is safe).</li>
 * </ul>
 *
 * Everything but {@link #owner} is read and written by the owner only: a thread that takes a lease
 * over has seen every write of the previous owner (the hand-over's happens-before edge).
 */
public final class HeapSlot {

    /** The slot of no thread (empty table entries; the fast paths fail over to the slow paths). */
    public static final HeapSlot EMPTY = new HeapSlot(null, null, false);

    static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(HeapSlot.class, "owner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The thread that may use this heap now, or null. Written with volatile semantics (through
     * {@link #OWNER} or {@link #setOwner}); the fast paths read it plainly (see {@link ThreadHeaps}
     * for why a lease taken over is still seen by the previous owner's next call).
     */
    public Thread owner;
    public final LocalHeap heap;
    /** The heap's direct page table ({@code direct[wsize]}), never replaced. */
    public final Page[] direct;
    /** True for a shared heap's slot (a lease), false for a thread's own. */
    public final boolean lease;
    /** The space of the heap's thread data: a lease's segments are local to its owner through it. */
    final SegmentSpace space;
    /**
     * Nesting depth of the owner's calls beyond the fast paths (owner only). A lease is never taken
     * over while it is non-zero: a slow path may block (a contended monitor, class loading, the
     * error handler), which unmounts a virtual thread in the middle of its use of the heap.
     */
    int busy;
    /**
     * The base of the segment of the owner's last local free, or a base no address lies within
     * 32 MiB of while there is none (so the fast path needs no null check). The segment is local to
     * this slot and never huge. The cache stays safe after the segment goes back: a released
     * segment's slices are all free spans, which fail {@link Page#isBlockStart}, so the free takes
     * the slow path through the segment map.
     */
    public long lastFreeBase = Long.MIN_VALUE;
    /** The cover array (page by slice) of that segment, read straight from the slot. */
    public Page[] lastFreeCover = NO_COVER;
    /** Slow-path calls since this own slot last tried to enter the table (a colliding thread). */
    int misses;
    /** Slow-path calls since this own slot last tried to enter {@link FastSlots} (its entry taken). */
    int fastTries;
    /** A lease: when it was last taken over (see {@code ThreadHeaps.recentlyFreed}). */
    long stamp;
    /** Its entry in {@link FastSlots}, or -1. */
    int fastIndex = -1;
    /** The lookup of the instance this slot belongs to (set when it first enters a table). */
    ThreadHeaps home;

    HeapSlot(Thread owner, LocalHeap heap, boolean lease) {
        this.owner = owner; // published with the slot (by a release fence or a volatile write of whoever hands it on)
        this.heap = heap;
        this.direct = heap != null ? heap.directPages() : new Page[0];
        this.lease = lease;
        this.space = heap != null ? heap.tld.space : null;
    }

    /**
     * An own slot retired by {@link ThreadHeaps#setDefault} serves its heap for its thread
     * {@code t} again: its free cache starts empty (the segment it named may have left the thread
     * meanwhile), and so do its table counters; then the owner, last, with volatile semantics.
     */
    void reown(Thread t) {
        lastFreeBase = Long.MIN_VALUE;
        lastFreeCover = NO_COVER;
        misses = 0;
        fastTries = 0;
        setOwner(t);
    }

    private static final Page[] NO_COVER = new Page[0];

    /** Sets the owner with volatile semantics. */
    void setOwner(Thread t) {
        OWNER.setVolatile(this, t);
    }

    /** The owner read with volatile semantics (slow paths). */
    public Thread owner() {
        return (Thread) OWNER.getVolatile(this);
    }

    /** Caches {@code seg} (a segment local to this slot, not huge) for the free fast path. */
    public void cacheFreeSegment(Segment seg) {
        if (lastFreeBase != seg.base || lastFreeCover != seg.cover) {
            lastFreeCover = Page.cover(seg);
            lastFreeBase = seg.base;
            if (fastIndex >= 0) {
                FastSlots.cacheChanged(this, Thread.currentThread());
            }
        }
    }

    /**
     * Drops the cache when it names {@code seg}, which leaves this thread while the thread goes on
     * (option {@code target_segments_per_thread}): the fast paths must not take a free into it for a
     * local one. Every copy of the cache the fast paths read goes with it (the {@link FastSlots} entry).
     */
    void forgetFreeSegment(Segment seg) {
        if (lastFreeBase == seg.base) {
            lastFreeBase = Long.MIN_VALUE;
            lastFreeCover = new Page[0];
            if (fastIndex >= 0) {
                FastSlots.cacheChanged(this, Thread.currentThread());
            }
        }
    }

    /**
     * Whether a block of {@code seg} freed by this slot's owner ({@code current}) is a local free:
     * the segment belongs to the owner's own data (any of its spaces), or to the lease's heap.
     */
    public boolean isLocal(Segment seg, Thread current) {
        return seg.ownerThread == current || (lease && seg.space == space);
    }

    /** The owner enters a call beyond the fast paths (see {@link #busy}). */
    public void enter() {
        busy++;
    }

    /** The owner leaves it. */
    public void exit() {
        busy--;
    }

    @Override
    public String toString() {
        Thread t = owner;
        return (lease ? "Lease[" : "Slot[") + (t == null ? "-" : t.getName()) + "]";
    }
}
