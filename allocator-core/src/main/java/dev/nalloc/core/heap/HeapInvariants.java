package dev.nalloc.core.heap;

import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageQueues;

/** The consistency checks of a heap's queues, its direct page table and its pages (tests, debugging). */
final class HeapInvariants {

    private HeapInvariants() {
    }

    /** Verifies every page's free-list invariant and the queue/direct-table consistency; throws on the first break. */
    static void check(LocalHeap heap) {
        PageQueues queues = heap.queues;
        for (int q = queues.nextQueue(1); q >= 0; q = queues.nextQueue(q + 1)) {
            Page prev = null;
            for (Page page = queues.first[q]; page != null; page = page.next()) {
                if (page.prev() != prev) {
                    throw new IllegalStateException("queue " + q + " has a broken back link at " + page);
                }
                if (page.getVolatileHeap() != heap) {
                    throw new IllegalStateException(page + " in queue " + q + " belongs to another heap");
                }
                if (PageQueues.queueOf(page) != q) {
                    throw new IllegalStateException(page + " is in queue " + q + " but belongs in " + PageQueues.queueOf(page));
                }
                if (!page.getAcquireHugeReleased()) {
                    page.checkInvariants();
                }
                prev = page;
            }
            if (queues.last[q] != prev) {
                throw new IllegalStateException("queue " + q + " has a wrong last page");
            }
        }
        Page[] direct = heap.directPages();
        for (int w = 0; w <= SizeClasses.SMALL_WSIZE_MAX; w++) {
            int bin = SizeClasses.bin((long) w * SizeClasses.WORD);
            Page expected = queues.first[bin] == null ? PageQueues.emptyOf(direct) : queues.first[bin];
            if (direct[w] != expected) {
                throw new IllegalStateException("direct[" + w + "] is not the first page of bin " + bin);
            }
        }
    }
}
