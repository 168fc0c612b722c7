package dev.nalloc.core.heap;

import dev.nalloc.core.page.Page;

/**
 * A page in use leaving its heap and a heap taking one in (mimalloc's {@code _mi_page_abandon} and
 * {@code _mi_page_reclaim}): when a thread ends or a segment is abandoned by force, and when an
 * abandoned segment is reclaimed. Owner thread of the heap.
 */
final class PageAbandon {

    private PageAbandon() {
    }

    /**
     * Takes {@code page} (in use, not all free, its remote frees already stopped from going to the
     * delayed list) out of queue {@code q} of {@code heap}: it belongs to no heap from now on and its
     * remote frees go to its thread-free list.
     */
    static void leave(LocalHeap heap, int q, Page page) {
        heap.queues.remove(q, page);
        heap.counters.pageRemoved();
        HeapGauges.leaveExact(heap, page);
        page.setVolatileHeap(null);
        page.setInFull(false);
        page.setRetireExpire(0);
    }

    /**
     * Takes a page of a reclaimed segment into {@code heap}: the heap is set before remote frees may
     * use the delayed list again, and the page goes to its bin (a page without free blocks moves to
     * the full queue on the next search of that bin).
     */
    static void adopt(LocalHeap heap, Page page) {
        page.setVolatileHeap(heap);
        page.useDelayedFree(Page.NO_DELAYED_FREE, true);
        page.setInFull(false);
        page.setRetireExpire(0);
        heap.queues.pushBack(page.bin(), page);
        heap.counters.pageAdded();
    }
}
