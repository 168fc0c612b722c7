package dev.nalloc.core.heap;

import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.Segment;

/**
 * A (thread, default heap) pair with the thread's fast-path caches. An allocator keeps one in a
 * plain field as a fast path around its {@code ThreadLocal}: the first thread to find the field
 * empty claims it, and from then on that thread finds its heap with one load and one comparison
 * with {@link Thread#currentThread()}. Every other thread uses the {@code ThreadLocal}, so the
 * field is written rarely (no cache-line ping-pong). Only thread {@code T} ever makes a slot
 * naming {@code T}, and the identity fields are final, so a racy read is always safe: a slot that
 * names the reading thread holds that thread's heap.
 *
 * <p>{@link #direct} is the heap's direct page table, so malloc reaches its page without going
 * through the heap. {@link #lastFreeBase} and {@link #lastFreeCover} describe the segment of the
 * thread's last local free: a free into it finds its page from the address alone, without the
 * segment map's dependent loads.
 * Only the named thread reads or writes it.
 */
public final class HeapSlot {

    /** The unclaimed slot: it names no thread. */
    public static final HeapSlot EMPTY = new HeapSlot(null, null);

    public final Thread thread;
    public final LocalHeap heap;
    /** The heap's direct page table ({@code direct[wsize]}), never replaced. */
    public final Page[] direct;
    /**
     * The base of the segment of the thread's last local free, or a base no address lies within
     * 32 MiB of while there is none (so the fast path needs no null check). The segment is owned
     * by {@link #thread} and never huge. The cache stays safe after the segment goes back: a
     * released segment's slices are all free spans, which fail {@link Page#isBlockStart}, so the
     * free takes the slow path through the segment map.
     */
    public long lastFreeBase = Long.MIN_VALUE;
    /** The cover array (page by slice) of that segment, read straight from the slot. */
    public Page[] lastFreeCover = new Page[0];

    /** Caches {@code seg} (a segment of this slot's thread) for the free fast path. */
    public void cacheFreeSegment(Segment seg) {
        lastFreeCover = seg.cover;
        lastFreeBase = seg.base;
    }

    /**
     * Drops the cache when it names {@code seg}, which leaves this thread while the thread goes on
     * (option {@code target_segments_per_thread}): the fast paths must not take a free into it for a
     * local one. Every copy of the cache the fast paths read must be dropped with it.
     */
    public void forgetFreeSegment(Segment seg) {
        if (lastFreeBase == seg.base) {
            lastFreeBase = Long.MIN_VALUE;
            lastFreeCover = new Page[0];
        }
    }

    public HeapSlot(Thread thread, LocalHeap heap) {
        this.thread = thread;
        this.heap = heap;
        this.direct = heap != null ? heap.directPages() : new Page[0];
    }
}
