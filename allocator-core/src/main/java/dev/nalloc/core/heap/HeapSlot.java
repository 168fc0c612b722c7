package dev.nalloc.core.heap;

import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentSpace;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A heap as the fast paths reach it: the heap, its direct page table, the thread that may use it
 * now ({@link #getPlainOwner}) and that thread's free-path cache. {@link ThreadHeaps} finds a thread's slot
 * by thread id; the fast paths then check {@code getPlainOwner() == Thread.currentThread()} and go on without
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
 * Everything but the owner is read and written by the owner only: a thread that takes a lease
 * over has seen every write of the previous owner (the hand-over's happens-before edge).
 */
public final class HeapSlot extends HeapSlotFields.Padded {

    /** The slot of no thread (empty table entries; the fast paths fail over to the slow paths). */
    public static final HeapSlot EMPTY = new HeapSlot(null, null, false, FastSlots.NO_SALT);

    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(HeapSlotFields.Shared.class, "owner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    HeapSlot(Thread owner, LocalHeap heap, boolean lease, long salt) {
        super(owner, heap, lease, salt);
    }

    /**
     * The claimed slot of an instance with salt {@code salt} that no thread has claimed yet: no
     * owner (every owner check fails), no heap, and the salt for the other threads' lookup.
     */
    public static HeapSlot unclaimed(long salt) {
        return new HeapSlot(null, null, false, salt);
    }

    /**
     * An own slot retired by {@link ThreadHeaps#setDefault} serves its heap for its thread
     * {@code t} again: its free cache starts empty (the segment it named may have left the thread
     * meanwhile), and so do its table counters; then the owner, last, with volatile semantics.
     */
    void reown(Thread t) {
        setFreeCover(NO_COVER);
        misses = 0;
        fastTries = 0;
        setVolatileOwner(t);
    }

    /** The empty free-path cache: a cover of a segment's length whose every entry is {@link Page#EMPTY} (no block starts). */
    static final Page[] NO_COVER = new Page[Layout.SLICES_PER_SEGMENT];

    static {
        java.util.Arrays.fill(NO_COVER, Page.EMPTY);
    }

    /** The entry of a cover array (a segment's, never huge) for the slice {@code address} lies in, in whatever segment. */
    public static int coverIndex(long address) {
        return (int) (address >>> Layout.SLICE_SHIFT) & (Layout.SLICES_PER_SEGMENT - 1);
    }

    /**
     * The owner read plainly: the fast paths' check {@code getPlainOwner() == Thread.currentThread()}.
     * Safe without ordering because the owner only ever changes away from a thread while that
     * thread is idle or by that thread itself (see {@link ThreadHeaps}): a stale read by the owner
     * sees its own last write, and a lease taken over is seen by the previous holder's next call,
     * which begins after its leaving the idle state (a volatile write the taker's swap precedes).
     */
    public Thread getPlainOwner() {
        return owner;
    }

    /** The owner read with volatile semantics (slow paths: whatever the previous owner wrote is seen). */
    public Thread getVolatileOwner() {
        return (Thread) OWNER.getVolatile(this);
    }

    /**
     * Sets the owner with volatile semantics: every write of the heap before it (by this owner, or
     * the hand-over's writes) happens-before the use by whoever reads the new owner.
     */
    void setVolatileOwner(Thread t) {
        OWNER.setVolatile(this, t);
    }

    /**
     * Names the taker of a lease as its owner with a release store, after the taker swapped the
     * owner to {@link ThreadHeaps#CLAIMING} (a compare-and-set): the old holder's next call already
     * sees the marker or this, never itself, and any thread that reads this owner with acquire or
     * volatile semantics sees the hand-over's writes before it.
     */
    void setReleaseOwner(Thread t) {
        OWNER.setRelease(this, t);
    }

    /**
     * Compare-and-set of the owner (volatile semantics): the one atomic step of taking a lease
     * over, from null or from an idle holder to {@link ThreadHeaps#CLAIMING} or the taker.
     */
    boolean casOwner(Thread expected, Thread t) {
        return OWNER.compareAndSet(this, expected, t);
    }

    /** Caches {@code seg} (a segment local to this slot, not huge) for the free fast path. */
    public void cacheFreeSegment(Segment seg) {
        Page[] cover = Page.cover(seg);
        if (lastFreeCover != cover) {
            setFreeCover(cover);
            if (fastIndex >= 0) {
                FastSlots.cacheChanged(this, Thread.currentThread());
            }
        }
    }

    /** Sets the free-path cache, both its views. */
    private void setFreeCover(Page[] cover) {
        lastFreeCover = cover;
        encodedFreeCover = cover instanceof EncodedPage[] e ? e : EncodedPage.NO_COVER;
    }

    /**
     * Drops the cache when it names {@code seg}, which leaves this thread while the thread goes on
     * (option {@code target_segments_per_thread}): the fast paths must not take a free into it for a
     * local one. Every copy of the cache the fast paths read goes with it (the {@link FastSlots} entry).
     */
    void forgetFreeSegment(Segment seg) {
        if (lastFreeCover == Page.cover(seg)) {
            setFreeCover(NO_COVER);
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
        return seg.ownerThread() == current || (lease && seg.space() == space);
    }

    /** The free-path cache ({@code lastFreeCover}), a plain read: the free fast path of its owner. */
    public Page[] lastFreeCover() {
        return lastFreeCover;
    }

    /** The free-path cache typed ({@code encodedFreeCover}), a plain read: SECURE's and CHECKED's free fast paths of its owner. */
    public EncodedPage[] encodedFreeCover() {
        return encodedFreeCover;
    }

    /** The owner enters a call beyond the fast paths (see {@code busy}). */
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
