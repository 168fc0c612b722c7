package dev.nalloc.core.heap;

import dev.nalloc.core.segment.AbandonedSegments;
import dev.nalloc.core.segment.Segment;

import dev.nalloc.core.segment.SegmentSpace;

import java.util.LinkedHashSet;
import java.util.Set;

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

    /**
     * The first part of {@code threadDone} while arenas of the thread are open: the first-class
     * heaps that serve no open arena are deleted into the default heap (their blocks stay valid, their
     * handles die) and the default heap's handles die; nothing is abandoned yet.
     */
    static void keepForArenas(ThreadData tld) {
        tld.drainHeapPool();
        LocalHeap main = tld.defaultHeap();
        for (LocalHeap h : tld.heaps()) {
            if (h != main && !h.servesArena) {
                h.delete();
            }
        }
        if (main != null) {
            main.retireHandles();
        }
    }

    /** Abandons everything of {@code tld}; the caller has claimed its retirement. */
    static void abandon(ThreadData tld) {
        tld.drainHeapPool();
        LocalHeap main = tld.defaultHeap();
        if (main != null && tld.hasOnlyHeap(main) && main.space() == tld.space) {
            // The common case (a thread that only used its default heap): no set or lists are made,
            // since short-lived threads pay this on the Java heap of whoever retires them.
            HeapCollect.abandon(main);
            main.markAbandoned();
            publish(tld, tld.space);
            return;
        }
        // The thread's own space, and the spaces of its heaps bound to arenas (newHeapInArena).
        Set<SegmentSpace> spaces = new LinkedHashSet<>();
        spaces.add(tld.space);
        for (LocalHeap h : tld.heaps()) {
            spaces.add(h.space());
        }
        for (LocalHeap h : tld.heaps()) {
            if (h != main) {
                h.delete(); // blocks stay valid: the pages move to the default heap first
            }
        }
        if (main == null) {
            return;
        }
        HeapCollect.abandon(main);
        main.markAbandoned();
        for (SegmentSpace space : spaces) {
            publish(tld, space);
        }
    }

    /** Detaches every segment of {@code space} and publishes those as abandoned. */
    private static void publish(ThreadData tld, SegmentSpace space) {
        HeapContext context = tld.context;
        AbandonedSegments abandoned = context.abandoned();
        for (Segment seg : space.detachAll(context.abandonedPagePurge())) {
            abandoned.add(seg, seg.usedPages());
            context.segmentAbandoned();
        }
    }

}
