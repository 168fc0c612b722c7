package dev.nalloc.core.heap;

import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.stats.ThreadCounters;

/**
 * Collecting a heap (mimalloc's {@code mi_heap_collect_ex}): a normal or forced collection frees
 * the pages whose blocks are all free and brings the gauges up to date; the abandoning one, when
 * the heap's thread ends, makes every page left in use leave the heap. Owner thread (or, for a
 * dead thread, the one thread that retires it).
 */
final class HeapCollect {

    private HeapCollect() {
    }

    /** mimalloc's {@code mi_heap_collect}: frees empty pages; {@code force} also purges. */
    static void collect(LocalHeap heap, boolean force) {
        HeapContext context = heap.context;
        context.deferredFree(heap.tld, force);
        if (heap.dead) {
            return; // the deferred free function destroyed or deleted this heap
        }
        ThreadCounters counters = heap.counters;
        counters.heapCollected();
        BlockFree.freeDelayed(heap);
        PageSearch.sweepReleasedHuge(heap);
        for (int q = heap.queues.nextQueue(1); q >= 0; q = heap.queues.nextQueue(q + 1)) {
            Page page = heap.queues.first[q];
            while (page != null) {
                Page next = page.next();
                if (!page.getAcquireHugeReleased()) {
                    PageCollect.collect(heap, page, force);
                    if (page.allFree()) {
                        PageRetire.freePage(heap, page);
                    } else if (page.kind() != PageKind.HUGE) {
                        HeapGauges.account(heap, page);
                    }
                }
                page = next;
            }
        }
        // Every page of this heap was looked at: the thread's part is exact when it has no other heap.
        boolean only = heap.tld.firstHeap() == heap && heap.nextInThread == null;
        if (only) {
            counters.lookedAtAllPages();
        }
        counters.flush(only);
        PageRetire.forgetRetired(heap);
        heap.space.collect(force);
        SegmentReclaim.collectAbandoned(heap, force);
        if (force) {
            context.purgeArenas();
        }
        context.reporter().flush(); // OS trouble of the purges: after the collection is whole
    }

    /**
     * The first half of abandoning a thread (mimalloc's {@code _mi_heap_collect_abandon}), run by the
     * thread itself or, for a dead thread, by the one thread that retires it: no remote free may go
     * to the delayed list any more, the delayed list is drained, pages whose blocks are all free are
     * freed, and every other page leaves the heap (its heap becomes null; remote frees keep going to
     * its threadFree list). Huge pages leave too: whoever frees their block releases the segment.
     *
     * @return the pages left in use (now belonging to no heap)
     */
    static int abandon(LocalHeap heap) {
        for (int q = heap.queues.nextQueue(1); q >= 0; q = heap.queues.nextQueue(q + 1)) {
            for (Page p = heap.queues.first[q]; p != null; p = p.next()) {
                p.useDelayedFree(Page.NEVER_DELAYED_FREE, false);
            }
        }
        BlockFree.freeDelayed(heap);
        int left = 0;
        for (int q = heap.queues.nextQueue(1); q >= 0; q = heap.queues.nextQueue(q + 1)) {
            Page page;
            while ((page = heap.queues.first[q]) != null) {
                if (page.kind() == PageKind.HUGE) {
                    heap.queues.remove(q, page);
                    heap.counters.pageRemoved();
                    page.setVolatileHeap(null);
                    continue;
                }
                PageCollect.collectForced(heap, page);
                if (page.allFree()) {
                    PageRetire.freePage(heap, page);
                    continue;
                }
                PageAbandon.leave(heap, q, page);
                left++;
            }
        }
        PageRetire.forgetRetired(heap);
        heap.counters.flush(false); // the thread leaves: its changes are published (peaks were raised as it ran)
        return left;
    }
}
