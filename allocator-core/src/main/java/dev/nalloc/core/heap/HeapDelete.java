package dev.nalloc.core.heap;

import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageQueues;

/**
 * Deleting a heap (mimalloc's {@code mi_heap_delete} with {@code mi_heap_absorb}): its pages move to
 * another heap of the thread, so its blocks stay valid; the heap itself ends. Owner thread.
 */
final class HeapDelete {

    private HeapDelete() {
    }

    /** Moves every page of {@code heap} to the thread's heap for its tag (the default heap), then ends it. */
    static void delete(LocalHeap heap) {
        heap.checkNotVisited("delete (close)");
        LocalHeap target = LocalHeap.heapForTag(heap.tld, heap.tag, heap);
        BlockFree.freeDelayed(heap);
        PageQueues queues = heap.queues;
        for (int q = queues.nextQueue(1); q >= 0; q = queues.nextQueue(q + 1)) {
            Page page;
            while ((page = queues.first[q]) != null) {
                queues.remove(q, page);
                page.setVolatileHeap(target);
                page.useDelayedFree(page.inFull() ? Page.USE_DELAYED_FREE : Page.NO_DELAYED_FREE, false);
                target.queues.pushBack(q, page);
            }
        }
        // Remote frees that saw this heap before the pages moved are on its list: the target frees them now.
        adoptDelayed(target, heap.getAndClearDelayedFree());
        heap.end();
    }

    private static void adoptDelayed(LocalHeap target, long list) {
        while (list != 0) {
            long next = Mem.load(list);
            target.casPushDelayedFree(list);
            list = next;
        }
        BlockFree.freeDelayed(target);
    }
}
