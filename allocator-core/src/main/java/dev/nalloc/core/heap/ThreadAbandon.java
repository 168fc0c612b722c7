package dev.nalloc.core.heap;

import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.AbandonedSegments;
import dev.nalloc.core.segment.Segment;

import java.util.List;

/**
 * Abandons what a thread holds in an instance when it is done (mimalloc's {@code _mi_heap_done}
 * and {@code mi_segment_abandon}): its first-class heaps are deleted into the default heap, pages
 * whose blocks are all free are freed, the others are detached from every heap with delayed free
 * switched off for good, and every segment still in use is published as abandoned for another
 * thread to reclaim. Runs on the thread itself, or, for a thread that died, on the one thread that
 * claimed its retirement: either way with exclusive use of the thread's data.
 */
final class ThreadAbandon {

    private ThreadAbandon() {
    }

    /** Abandons everything of {@code tld}; the caller has claimed its retirement. */
    static void abandon(ThreadData tld) {
        tld.drainHeapPool();
        LocalHeap main = tld.defaultHeap();
        for (LocalHeap h : tld.heaps()) {
            if (h != main) {
                h.delete(); // blocks stay valid: the pages move to the default heap first
            }
        }
        if (main == null) {
            return;
        }
        main.abandonPages();
        main.markAbandoned();
        HeapContext context = tld.context;
        AbandonedSegments abandoned = context.abandoned();
        List<Segment> segments = tld.space.detachAll();
        for (Segment seg : segments) {
            if (context.abandonedPagePurge()) {
                purgeFreeSpans(seg, context);
            }
            abandoned.add(seg, seg.usedPages);
        }
    }

    /** Purges the free spans of a detached segment (option {@code abandoned_page_purge}). */
    static void purgeFreeSpans(Segment seg, HeapContext context) {
        int i = 0;
        while (i < seg.sliceCount) {
            Page span = seg.cover[i];
            if (!span.inUse) {
                seg.purge(span.sliceIndex, span.sliceCount, context.segments().os(), context.purgeDecommits());
            }
            i = span.sliceIndex + span.sliceCount;
        }
    }
}
