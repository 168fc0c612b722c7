package dev.nalloc.core.heap;

import dev.nalloc.api.HeapVisitor;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.AbandonedSegments;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentSpace;

/**
 * Reclaims abandoned segments (mimalloc's {@code mi_segment_try_reclaim}, {@code mi_segment_reclaim}
 * and {@code _mi_abandoned_collect}). A segment is always claimed first (its abandoned mark
 * cleared atomically), so the claiming thread has it to itself: it collects the remote frees of
 * its pages, frees the pages that became empty, and then either takes the segment over (its pages
 * join the thread's heap, its free spans the thread's span queues), gives it back to the OS or its
 * arena when nothing in it is in use any more, or marks it abandoned again.
 */
public final class SegmentReclaim {

    /** A segment is taken over on its 4th visit even when it has nothing for the request. */
    private static final int VISITS_BEFORE_FORCED_RECLAIM = 3;
    /** An ordinary collect looks at most at this many abandoned segments. */
    private static final int COLLECT_TRIES = 1024;

    private SegmentReclaim() {
    }

    /**
     * Before the heap's thread makes a new segment for a page of {@code slices} slices and blocks of
     * {@code blockSize} bytes: abandons dead threads' segments, then looks at a bounded number of
     * abandoned segments (option {@code max_segment_reclaim}). Empty ones are given back, one with
     * room for the request is taken over (and the search ends), ones visited too often are taken over.
     *
     * Pages go to the thread's default heap whichever heap is allocating.
     *
     * @return true when a segment was taken over (the caller looks at its queues and spans again)
     */
    static boolean reclaimForPage(LocalHeap heap, int slices, long blockSize) {
        HeapContext context = heap.tld.context;
        context.reapDeadThreads();
        ForcedAbandon.toTarget(heap);
        AbandonedSegments abandoned = context.abandoned();
        int tries = abandoned.reclaimTries(context.maxSegmentReclaim());
        if (tries <= 0) {
            return false;
        }
        if (!abandoned.beginSearch()) {
            return false; // a visit of the abandoned segments runs: map a new segment this time
        }
        try {
            return search(heap, abandoned, tries, slices, blockSize);
        } finally {
            abandoned.endSearch();
        }
    }

    private static boolean search(LocalHeap heap, AbandonedSegments abandoned, int tries, int slices, long blockSize) {
        HeapContext context = heap.tld.context;
        boolean took = false;
        AbandonedSegments.Cursor cursor = abandoned.cursor();
        Segment seg;
        while (tries-- > 0 && ForcedAbandon.withinTarget(heap.tld) && (seg = cursor.next()) != null) {
            if (seg.memory.fromArena() && seg.memory.arena().exclusive()) {
                // Only heaps bound to that arena may use it (mimalloc's _mi_heap_memid_is_suitable):
                // left for a collect to give back once empty, and not counted as a try.
                abandoned.putBack(seg);
                tries++;
                continue;
            }
            seg.countAbandonedVisit();
            boolean hasRoom = collectFree(heap, seg, slices, blockSize);
            if (seg.usedPages() == 0) {
                release(context, seg);
            } else if (hasRoom) {
                adopt(heap.tld.defaultHeap(), seg);
                return true;
            } else if (seg.abandonedVisits() > VISITS_BEFORE_FORCED_RECLAIM) {
                adopt(heap.tld.defaultHeap(), seg); // keeps the number of abandoned segments down
                took = true;
            } else {
                abandoned.putBack(seg);
            }
        }
        return took;
    }

    /**
     * A thread frees a block of an abandoned segment (option {@code abandoned_reclaim_on_free}): it
     * takes the segment over when it can claim it, and the free becomes a local one.
     *
     * @return true when the segment now belongs to {@code heap}'s thread
     */
    public static boolean reclaimOnFree(LocalHeap heap, Segment seg) {
        AbandonedSegments abandoned = heap.tld.context.abandoned();
        if ((seg.memory.fromArena() && seg.memory.arena().exclusive()) || !ForcedAbandon.withinTarget(heap.tld)
                || !abandoned.claim(seg)) {
            return false;
        }
        collectFree(heap, seg, 0, 0);
        adopt(heap, seg); // the freed block is live, so the segment has a page in use
        // A thread that frees but does not allocate never runs the generic path that ends the grace
        // of its retired (empty) pages: end it here, or each of them would pin a reclaimed segment.
        PageRetire.collectRetired(heap, true);
        return true;
    }

    /**
     * Looks at abandoned segments during a collection (mimalloc's {@code _mi_abandoned_collect}):
     * their remote frees are collected, segments that became empty are given back, and with
     * {@code force} the free spans of the others are purged. At most 1024 segments unless forced.
     */
    static void collectAbandoned(LocalHeap heap, boolean force) {
        HeapContext context = heap.tld.context;
        context.reapDeadThreads();
        AbandonedSegments abandoned = context.abandoned();
        if (abandoned.count() == 0) {
            return;
        }
        if (!abandoned.beginSearch()) {
            return; // a visit runs: the next collection looks
        }
        try {
            int tries = force ? Integer.MAX_VALUE : COLLECT_TRIES;
            AbandonedSegments.Cursor cursor = abandoned.cursor();
            Segment seg;
            while (tries-- > 0 && (seg = cursor.next()) != null) {
                collectFree(heap, seg, 0, 0);
                if (seg.usedPages() == 0) {
                    release(context, seg);
                } else {
                    if (force) {
                        heap.tld.space.purgeFreeSpans(seg); // claimed: this thread has it to itself
                    }
                    abandoned.putBack(seg);
                }
            }
        } finally {
            abandoned.endSearch();
        }
    }

    /**
     * mimalloc's {@code mi_abandoned_visit_blocks}: the segments of dead threads are abandoned
     * first (those found dead without {@code threadDone}); then, with every reclaim search and
     * collection of abandoned segments kept out (see {@link AbandonedSegments#beginVisit}), each
     * abandoned segment is claimed in turn, its remote frees collected (empty pages and segments go
     * back, as a collection does), its pages of {@code tag} (-1: all) visited, and it is marked
     * abandoned again, also when the visitor throws. {@code address} turns a block start into the
     * address the block was handed out at (CHECKED and SECURE).
     *
     * @return false when the visitor stopped the visit
     */
    public static boolean visitAbandoned(LocalHeap heap, int tag, boolean all, HeapVisitor visitor,
                                  BlockAddress address) {
        HeapContext context = heap.tld.context;
        context.reapDeadThreads();
        AbandonedSegments abandoned = context.abandoned();
        abandoned.beginVisit();
        try {
            AbandonedSegments.Cursor cursor = abandoned.cursor();
            Segment seg;
            while ((seg = cursor.next()) != null) {
                boolean go = true;
                boolean back = true;
                try {
                    collectFree(heap, seg, 0, 0);
                    if (seg.usedPages() == 0) {
                        back = false;
                        release(context, seg);
                    } else {
                        go = AbandonedVisit.visitSegment(heap, seg, tag, all, visitor, address);
                    }
                } finally {
                    if (back && !context.isClosed()) {
                        abandoned.putBack(seg);
                    }
                }
                if (!go) {
                    return false;
                }
            }
            return visitOrphanHugePages(heap, tag, all, visitor, address);
        } finally {
            abandoned.endVisit();
        }
    }

    /**
     * The huge blocks of threads that ended: their pages left their heaps (no segment of theirs is
     * abandoned: whoever frees such a block releases its segment). One freed during the visit may
     * still be visited, at an address whose memory went back to the OS.
     */
    private static boolean visitOrphanHugePages(LocalHeap heap, int tag, boolean all, HeapVisitor visitor,
                                                BlockAddress address) {
        java.util.List<Page> orphans = new java.util.ArrayList<>();
        heap.tld.context.segments().forEachPageSpan(s -> {
            Page p = (Page) s;
            if (p.kind() == dev.nalloc.core.page.PageKind.HUGE && p.inUse() && p.getVolatileHeap() == null && !p.getAcquireHugeReleased()
                    && (tag < 0 || p.tag() == tag)) {
                orphans.add(p);
            }
        });
        for (Page p : orphans) {
            if (!p.getAcquireHugeReleased() && !AbandonedVisit.visitPage(heap, p, all, visitor, address)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Collects the remote frees of every page of a claimed segment and clears the pages that became
     * empty (mimalloc's {@code mi_segment_check_free}).
     *
     * @return true when the segment has a free span of {@code slices} slices, or a page of
     * {@code blockSize} blocks with one available ({@code slices == 0}: never)
     */
    private static boolean collectFree(LocalHeap heap, Segment seg, int slices, long blockSize) {
        boolean hasRoom = false;
        int cleared = 0;
        int i = 0;
        while (i < seg.sliceCount) {
            Page p = Page.atSlice(seg, i);
            if (p.inUse()) {
                PageCollect.collectRemote(heap, p);
                if (p.allFree()) {
                    if (!p.isStuck()) { // a stuck span (guard not lifted) is no page of blocks: not counted
                        HeapGauges.pageEnded(heap, p); // it ends empty: its freed blocks are settled
                        HeapGauges.forget(heap, p);
                        cleared++;
                    }
                    p = (Page) SegmentSpace.clearDetachedPage(p);
                } else if (slices > 0 && p.blockSize() == blockSize
                        && (p.freeHead() != 0 || p.localFreeHead() != 0 || p.canExtend())) {
                    hasRoom = true;
                }
            }
            if (!p.inUse() && slices > 0 && p.sliceCount() >= slices) {
                hasRoom = true;
            }
            i = p.sliceIndex + p.sliceCount();
        }
        heap.tld.context.abandoned().pagesLeft(cleared);
        return hasRoom;
    }

    /**
     * Takes a claimed segment over: its pages in use join {@code heap} (always a default heap: a
     * first-class heap may be destroyed, which must not free other threads' blocks), or, for a page
     * of a heap tag, a heap of that tag made to take them ({@code allowDestroy} false); its free
     * spans join the thread's queues.
     */
    private static void adopt(LocalHeap heap, Segment seg) {
        int pages = 0;
        int i = 0;
        while (i < seg.sliceCount) {
            Page p = Page.atSlice(seg, i);
            if (p.inUse() && !p.isStuck()) { // stuck spans stay out of every heap (the space tries them again)
                // A tagged page goes to a heap of its tag that takes reclaimed pages (mi_heap_new_ex), if any.
                PageAbandon.adopt(p.tag() == 0 ? heap : LocalHeap.heapForTag(heap.tld, p.tag(), null), p);
                pages++;
            }
            i = p.sliceIndex + p.sliceCount();
        }
        AbandonedSegments abandoned = heap.tld.context.abandoned();
        abandoned.pagesLeft(pages);
        abandoned.countReclaimed();
        heap.tld.context.segmentReclaimed();
        seg.clearAbandonedVisits();
        heap.tld.space.attach(seg);
    }

    /** Gives a claimed segment with no page in use back to its arena or the OS. */
    private static void release(HeapContext context, Segment seg) {
        context.abandoned().countFreed();
        context.abandonedSegmentFreed();
        context.segments().release(seg);
    }
}
