package dev.nalloc.core.heap;

import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageQueues;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentSpace;

/**
 * Option {@code target_segments_per_thread} (mimalloc's {@code mi_segments_try_abandon}): a thread
 * that is about to map a new segment while it owns the target number already abandons segments
 * first, so that threads which free what others allocated can take them over (thread pools whose
 * threads never end would otherwise keep every segment they ever filled). The segments chosen are
 * those of the allocating heap's full pages, as mimalloc chooses; each is abandoned while the
 * thread goes on, with the protocol of a thread's end (see {@link ThreadAbandon}). The target is a
 * soft bound, as in mimalloc: a reclaim search takes over a segment visited too often even at the
 * target, so a thread may hold one segment more for a while.
 */
final class ForcedAbandon {

    /** At most this many segments are abandoned before one new segment (mimalloc's bound). */
    private static final int MAX_PER_CALL = 64;

    private ForcedAbandon() {
    }

    /** The target (0: none), clamped to 0..1024 as mimalloc clamps it. */
    static long target(HeapContext context) {
        return Math.max(0, Math.min(1024, context.targetSegmentsPerThread()));
    }

    /** True while the thread of {@code tld} may take over one more segment (below the target, or no target). */
    static boolean withinTarget(ThreadData tld) {
        long target = target(tld.context);
        return target == 0 || tld.space.segments() < target;
    }

    /**
     * Before {@code heap}'s thread maps a new segment: with a target above 1 that its segments have
     * reached, abandons segments of the heap's full pages until it holds fewer than three quarters
     * of the target (the target itself up to 4), or the heap has no full page left.
     */
    static void toTarget(LocalHeap heap) {
        ThreadData tld = heap.tld;
        long target = target(tld.context);
        if (target <= 1 || tld.space.segments() < target) {
            return;
        }
        long keep = target > 4 ? target * 3 / 4 : target;
        for (int i = 0; i < MAX_PER_CALL && tld.space.segments() >= keep; i++) {
            Page page = FullQueue.firstNotHuge(heap);
            if (page == null) {
                return;
            }
            abandon(tld, page.segment);
        }
    }

    /**
     * Abandons one segment of the thread of {@code tld} (mimalloc's {@code mi_segment_force_abandon}):
     * each page in use leaves its heap (or is freed when all its blocks are free); when pages are
     * left, the segment leaves the thread's space and is published as abandoned. The fast paths'
     * cache of the segment of the thread's last free is dropped first: a free into the segment must
     * no longer be taken for a local one.
     */
    static void abandon(ThreadData tld, Segment seg) {
        tld.slot().forgetFreeSegment(seg);
        int i = 0;
        while (i < seg.sliceCount && seg.usedPages() > 0 && seg.space() == tld.space) {
            Page p = Page.atSlice(seg, i);
            if (p.inUse() && p.getVolatileHeap() != null) {
                abandonPage((LocalHeap) p.getVolatileHeap(), p);
                p = Page.atSlice(seg, i); // freed pages merge with free neighbours: go on after the span now there
            }
            i = p.sliceIndex + p.sliceCount();
        }
        SegmentSpace space = tld.space;
        HeapContext context = tld.context;
        if (seg.space() == space && seg.usedPages() > 0 && space.detach(seg, context.abandonedPagePurge())) {
            context.abandoned().add(seg, seg.usedPages());
            context.segmentAbandoned();
        }
    }

    /**
     * Takes one page of {@code heap} out for the forced abandon of its segment (mimalloc's
     * {@code _mi_page_force_abandon}): no remote free may go to the delayed list any more, the
     * list is drained (no block of the page stays on it), and the page is freed when all its
     * blocks are free, else it leaves the heap (its heap becomes null) as at thread end.
     */
    private static void abandonPage(LocalHeap heap, Page page) {
        page.useDelayedFree(Page.NEVER_DELAYED_FREE, false);
        BlockFree.freeDelayed(heap);
        if (!page.inUse() || page.getVolatileHeap() != heap) {
            return; // freed by the delayed frees
        }
        PageCollect.collectForced(heap, page);
        if (page.allFree()) {
            PageRetire.freePage(heap, page);
            return;
        }
        PageAbandon.leave(heap, PageQueues.queueOf(page), page);
    }
}
