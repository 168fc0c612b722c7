package dev.nalloc.core.heap;

import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.page.PageQueues;

/**
 * Pages whose blocks are all free (mimalloc's {@code _mi_page_retire}, {@code _mi_heap_collect_retired}
 * and {@code _mi_page_free}): a bin's only page is kept for a few slow-path rounds, so a size used
 * in bursts does not make and free a page each time, and so are a few full pages that other threads
 * emptied (kept at the end of its bin's queue, see {@link #keepsEmptiedFull}); any other page goes
 * back to its segment's space at once. Owner thread.
 */
final class PageRetire {

    /** Slow-path rounds a retired small page is kept (a quarter of that for larger ones). */
    private static final int RETIRE_CYCLES = 16;
    /**
     * The block area of emptied full pages a bin keeps at the end of its queue ({@link #keepsEmptiedFull}):
     * 64 small pages, eight medium ones. A producer's consumers empty many of its pages
     * between two of its slow paths (a consumer freeing for one 4 ms time slice empties about 200).
     */
    private static final long KEEP_BYTES = 4 * 1024 * 1024;

    private PageRetire() {
    }

    /**
     * The end of a free that left the page all free: kept or freed, then the OS trouble of freeing it
     * is reported (the free is complete by then). Freeing a page may purge (an OS call), so the
     * heap's slot is counted busy meanwhile (a lease is not taken over from a holder that blocks in
     * there: see {@link ThreadHeaps}). A page retired already ({@code retireExpire != 0}) is left
     * as it is: the check is here, not on the free fast paths, so theirs is one branch, taken on
     * every page that empties, whatever the pages were when C2 compiled them.
     *
     * <p>C2 shape: this is inlined into every free fast path (a loop that frees the only block of
     * a page calls it on every free), so it is only the check and one call. The work is
     * {@link #retireAndReport}, over C2's limit for callees at cold call sites
     * ({@code -XX:MaxInlineSize}, 35 bytes of bytecode): a page retired for real is one free in
     * hundreds, so that call site is cold and the work stays out of line whatever the profile said
     * when C2 compiled the caller. Inlined, it made the compiled free (and a caller's method holding
     * a malloc and a free) over a thousand bytes larger, over {@code -XX:InlineSmallCode} (2500
     * bytes), and C2 then does not inline that method into its callers compiled after it: whether a
     * loop of pairs inlined its pair depended on which of the two C2 compiled first (HeapShapeTest).
     */
    static void retire(LocalHeap heap, Page page) {
        if (page.retireExpire() != 0) {
            return;
        }
        retireAndReport(heap, page);
    }

    /** {@link #retire} of a page not retired yet: kept or freed, then the OS trouble reported. Out of line (see there). */
    private static void retireAndReport(LocalHeap heap, Page page) {
        HeapSlot slot = heap.tld.slot();
        slot.busy++;
        try {
            retireQuietly(heap, page);
        } finally {
            slot.busy--;
        }
        heap.context.reporter().flush();
    }

    /**
     * {@link #retire} without the report (the caller flushes): keeps the page if it is its bin's only
     * one, else frees it; a page retired already is left as it is.
     */
    static void retireQuietly(LocalHeap heap, Page page) {
        if (page.retireExpire() != 0) {
            return;
        }
        page.clearAligned();
        HeapGauges.beforeDecrease(heap); // (the page's own drop is accounted when the slow path next handles it)
        int q = PageQueues.queueOf(page);
        PageQueues queues = heap.queues;
        if (q < SizeClasses.BIN_HUGE && queues.first[q] == page && queues.last[q] == page) {
            keep(heap, page, q);
            return;
        }
        if (q == SizeClasses.BIN_FULL && keepsEmptiedFull(heap, page)) {
            return;
        }
        freePage(heap, page);
    }

    /** Keeps an all-free page of queue {@code q} retired for a few slow-path rounds. */
    private static void keep(LocalHeap heap, Page page, int q) {
        page.setRetireExpire(page.blockSize() <= Layout.SMALL_OBJ_SIZE_MAX ? RETIRE_CYCLES : RETIRE_CYCLES / 4);
        heap.retiredMin = Math.min(heap.retiredMin, q);
        heap.retiredMax = Math.max(heap.retiredMax, q);
    }

    /**
     * A full page whose blocks other threads freed (its last ones reached the owner through the
     * delayed list) goes back to the end of its bin's queue, retired, instead of back to its
     * segment, when the bin has no such page kept already: its blocks are linked on its local-free
     * list, so the next page search of the bin takes them all at once, where a fresh page would
     * cost a span, then carving in 4 KiB steps (a slow path each) and the first touches. A
     * producer whose blocks its consumers free (xmalloc-test) empties pages this way as fast as it
     * fills them; mimalloc frees such a page ({@code _mi_page_retire} of a page in the full queue)
     * and makes a fresh one. Up to {@link #KEEP_BYTES} of them per bin, kept as a retired page is:
     * freed when their grace runs out unused ({@link #collectRetired}, which looks at the retired
     * pages at the end of a queue too) or at the next heap collection.
     */
    private static boolean keepsEmptiedFull(LocalHeap heap, Page page) {
        PageKind kind = page.kind();
        if (kind != PageKind.SMALL && kind != PageKind.MEDIUM) {
            return false;
        }
        int bin = page.bin();
        long room = KEEP_BYTES;
        for (Page p = heap.queues.last[bin]; p != null && p.retireExpire() != 0; p = p.prev()) {
            room -= p.areaSize();
        }
        if (room < page.areaSize()) {
            return false; // enough kept at the end already
        }
        FullQueue.unfull(heap, page); // to the end of its bin's queue
        keep(heap, page, bin);
        return true;
    }

    /** Frees retired pages whose grace has run out, all of them with {@code force}. */
    static void collectRetired(LocalHeap heap, boolean force) {
        if (heap.retiredMin > heap.retiredMax) {
            return;
        }
        int min = SizeClasses.BIN_FULL;
        int max = 0;
        for (int q = heap.retiredMin; q <= heap.retiredMax; q++) {
            Page first = heap.queues.first[q];
            boolean left = false;
            // The emptied pages kept at the end of the queue, then its first page.
            for (Page p = heap.queues.last[q], prev; p != first && p != null && p.retireExpire() != 0; p = prev) {
                prev = p.prev();
                left |= expire(heap, p, force);
            }
            left |= expire(heap, first, force);
            if (left) {
                min = Math.min(min, q);
                max = Math.max(max, q);
            }
        }
        heap.retiredMin = min;
        heap.retiredMax = max;
    }

    /**
     * One round of a retired page's grace (a queue's first or last page; any other page, or null, is
     * left alone): freed when it runs out or with {@code force}, no longer retired once it is in use.
     *
     * @return true when the page stays retired
     */
    private static boolean expire(LocalHeap heap, Page page, boolean force) {
        if (page == null || page.retireExpire() == 0) {
            return false;
        }
        if (!page.allFree()) {
            page.setRetireExpire(0);
            return false;
        }
        page.decrementRetireExpire();
        if (force || page.retireExpire() == 0) {
            freePage(heap, page);
            return false;
        }
        return true;
    }

    /** No page is retired any more (the heap's pages were all looked at, or left). */
    static void forgetRetired(LocalHeap heap) {
        heap.retiredMin = SizeClasses.BIN_FULL;
        heap.retiredMax = 0;
    }

    /** Removes an all-free page from its queue and gives its span back (a huge page: its segment). */
    static void freePage(LocalHeap heap, Page page) {
        heap.queues.remove(PageQueues.queueOf(page), page);
        page.setInFull(false);
        heap.counters.pageRemoved();
        if (page.kind() == PageKind.HUGE) {
            if (page.casHugeReleased()) {
                heap.context.segments().release(page.segment);
            }
            return;
        }
        HeapGauges.pageEnded(heap, page);
        HeapGauges.forget(heap, page);
        page.segment.space().freeSpan(page);
    }

    /** Frees a huge block on the owner thread: its queue entry goes at once. */
    static void freeHugeLocal(LocalHeap heap, Page page) {
        if (page.casHugeReleased()) {
            heap.queues.remove(SizeClasses.BIN_HUGE, page);
            heap.counters.pageRemoved();
            heap.context.segments().release(page.segment);
        }
    }
}
