package dev.nalloc.core.heap;

import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;

/**
 * The heap's full queue (mimalloc's {@code mi_page_to_full} and {@code _mi_page_unfull}): a page
 * the search found without a free block moves there, out of its bin's way, and from then on
 * other threads' frees into it go to the heap's delayed list, so the owner learns that it has room
 * again; the first block back moves it to its bin again. Huge pages never move. Owner thread.
 */
final class FullQueue {

    private FullQueue() {
    }

    /** Moves a page without a free block to the full queue (the caller settles the gauges). */
    static void toFull(LocalHeap heap, Page page) {
        if (page.inFull() || page.kind() == PageKind.HUGE) {
            return;
        }
        heap.queues.move(page.bin(), SizeClasses.BIN_FULL, page);
        page.setInFull(true);
        page.useDelayedFree(Page.USE_DELAYED_FREE, false);
        PageCollect.collect(heap, page); // frees that came before the delayed state was visible
        HeapGauges.account(heap, page); // the fast path filled it
    }

    /** A block came back to a page of the full queue: the page goes back to its bin. */
    static void unfull(LocalHeap heap, Page page) {
        if (!page.inFull()) {
            return;
        }
        HeapGauges.beforeDecrease(heap);
        HeapGauges.account(heap, page);
        heap.counters.settle();
        page.useDelayedFree(Page.NO_DELAYED_FREE, false);
        heap.queues.move(SizeClasses.BIN_FULL, page.bin(), page);
        page.setInFull(false);
    }

    /** The first page of the full queue that is not huge, or null (option target_segments_per_thread). */
    static Page firstNotHuge(LocalHeap heap) {
        for (Page p = heap.queues.first[SizeClasses.BIN_FULL]; p != null; p = p.next()) {
            if (p.kind() != PageKind.HUGE) {
                return p;
            }
        }
        return null;
    }
}
