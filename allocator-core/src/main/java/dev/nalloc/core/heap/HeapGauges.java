package dev.nalloc.core.heap;

import dev.nalloc.core.page.FreeLists;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.stats.ThreadCounters;

/**
 * The heap's part of the live gauges and their peaks (see {@link dev.nalloc.core.stats.Gauges} and
 * docs/statistics.md): the fast paths change pages' {@code used} without counting, so the slow
 * paths bring each page's contribution ({@link Page#accountedBlocks} against {@code seen}) up to
 * date when they handle it, and look at every page the fast paths may have changed unseen when a
 * peak may have been passed. Owner thread.
 */
final class HeapGauges {

    /**
     * Bytes of increases that pay for looking at one page beyond the pages bins allocate from (see
     * {@link #peakCheck}).
     */
    private static final long LOOK_BYTES_PER_PAGE = 8 * 1024;

    private HeapGauges() {
    }

    /**
     * Brings the page's contribution to the gauges up to date. C2 shape: a change of 0 is added like
     * any other, with no test that a one-sided profile would make trap (HeapShapeTest).
     */
    static void account(LocalHeap heap, Page page) {
        if (page.kind() == PageKind.HUGE) {
            return; // huge blocks are counted when their segment is made and released
        }
        int a = page.accountedBlocks();
        int d = a - page.seen();
        page.setSeen(a);
        heap.counters.blocksChanged(page.blockSize(), d);
    }

    /** The page ends (freed, or emptied for reuse): its allocated blocks are settled as freed. */
    static void pageEnded(LocalHeap heap, Page page) {
        heap.counters.pageEnded(page.bin(), FreeLists.takeEnded(page));
    }

    /** The page's blocks all go at once (destroy, page freed): out of the gauges. */
    static void forget(LocalHeap heap, Page page) {
        int d = page.seen();
        if (d != 0) {
            page.setSeen(0);
            heap.counters.blocksChanged(page.blockSize(), -d);
        }
    }

    /**
     * A page leaves the heap in use (abandoned): with its exact live blocks in the gauges (no
     * carved-ahead ones); from now on only frees change it, and the freeing threads count those.
     */
    static void leaveExact(LocalHeap heap, Page page) {
        heap.counters.blocksChanged(page.blockSize(), page.used() - page.seen());
        page.setSeen(page.used());
    }

    /**
     * After a slow-path event raised the gauges: publishes them, raising the peaks, when a peak may
     * have been passed (see {@link #peakCheck}); otherwise publishes a large change without raising
     * peaks. Most events only compare one field ({@link ThreadCounters#mayPeak}).
     */
    static void settle(LocalHeap heap) {
        ThreadCounters counters = heap.counters;
        if (!counters.mayPeak() || !peakCheck(heap, 0, 0)) {
            counters.settle();
        }
    }

    /**
     * After a destroy took {@code gone} bytes in {@code goneBlocks} blocks out at once: the level
     * just before may have been a peak.
     */
    static void settleAfterDestroy(LocalHeap heap, long gone, long goneBlocks) {
        ThreadCounters counters = heap.counters;
        if (gone == 0 || !counters.mayPeakWith(gone) || !peakCheck(heap, gone, goneBlocks)) {
            counters.settle();
        }
    }

    /**
     * Before a slow-path event lowers the live count: the live bytes just before it may be a peak the
     * fast path reached unseen (only when it was handed blocks whose taking the slow path does not see).
     */
    static void beforeDecrease(LocalHeap heap) {
        ThreadCounters counters = heap.counters;
        if (counters.exposed() > 0 && counters.mayPeak()) {
            peakCheck(heap, 0, 0);
        }
    }

    /**
     * When the thread's live bytes may have passed a peak (what it saw plus what the fast path may
     * have taken unseen), looks at every page its fast paths may have changed unseen so that its part
     * is exact, and publishes it, raising the peaks. Those pages are the first page of each bin queue
     * (the fast path allocates from it and frees into it) and the other pages of bin queues, neither
     * full nor current (frees only), in every heap of the thread. A look at the first pages is cheap
     * and always made; the others are looked at once the increases seen since the last look amount
     * to {@link #LOOK_BYTES_PER_PAGE} per such page (a growing heap has none; a heap churning at its
     * peak with many partly used pages looks at them every so many KiB of allocation), and until
     * then no peak is raised.
     *
     * @param goneBytes  bytes of blocks a destroy just took out of the pending changes: the level to
     *                   check is the one before (0 otherwise)
     * @param goneBlocks their blocks
     * @return true when it published
     */
    private static boolean peakCheck(LocalHeap heap, long goneBytes, long goneBlocks) {
        ThreadCounters counters = heap.counters;
        if (!counters.peakPossibleWith(goneBytes, goneBlocks) && !counters.exposurePossiblyPeaked()) {
            counters.checkedNoPeak();
            return false;
        }
        ThreadData tld = heap.tld;
        long extra = 0;
        for (LocalHeap h = tld.firstHeap(); h != null; h = h.nextInThread) {
            extra += h.queues.extraBinPages();
        }
        long due = extra * LOOK_BYTES_PER_PAGE;
        if (counters.verifyCredit() < due) {
            counters.checkLater(due);
            return false;
        }
        for (LocalHeap h = tld.firstHeap(); h != null; h = h.nextInThread) {
            accountQueuedPages(h, extra != 0);
        }
        counters.lookedAtAllPages();
        if (counters.peakPossibleWith(goneBytes, goneBlocks)) {
            counters.flushRaising(goneBytes, goneBlocks);
            return true;
        }
        counters.checkedNoPeak();
        return false;
    }

    /** Accounts the first page of every bin queue of {@code heap}, with {@code all} every page of them. */
    private static void accountQueuedPages(LocalHeap heap, boolean all) {
        for (int q = heap.queues.nextBinQueue(1); q >= 0; q = heap.queues.nextBinQueue(q + 1)) {
            for (Page p = heap.queues.first[q]; p != null; p = all ? p.next() : null) {
                account(heap, p);
            }
        }
    }
}
