package dev.nalloc.core.heap;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.core.page.FreeListCorruption;
import dev.nalloc.core.page.FreeLists;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.stats.ThreadCounters;

/**
 * Collecting a page's frees into its free list (mimalloc's {@code _mi_page_free_collect}) with the
 * heap's counters kept right: remote frees are counted as collected (their freeing threads already
 * subtracted them) and a broken list is dropped and reported as free-list corruption. Owner thread.
 */
final class PageCollect {

    private PageCollect() {
    }

    /**
     * Collects a page's frees; {@code force} picks {@link #collectForced}, else {@link #collect(LocalHeap, Page)}.
     */
    static void collect(LocalHeap heap, Page page, boolean force) {
        if (force) {
            collectForced(heap, page);
        } else {
            collect(heap, page);
        }
    }

    /**
     * The page search's collect ({@link Page#collectEmpty}): only a page whose free list is empty
     * takes its frees. For the per-bin totals, blocks moved onto {@code free} leave {@code used}
     * for good: they are settled (see {@link ThreadCounters#settled}); {@code free} then holds all
     * {@code capacity - used} free blocks.
     *
     * <p>C2 shape: its own method (not {@link #collectForced}'s branches), and the remote count is
     * added even when 0, so that no branch here depends on whether other threads' frees had arrived
     * when C2 compiled it (a trap; docs/design-core.md, "Shapes the JIT needs").
     */
    static void collect(LocalHeap heap, Page page) {
        if (page.freeHead() != 0) {
            return;
        }
        try {
            long local = page.localFreeHead();
            int remote = page.collectEmpty();
            int bin = page.bin();
            ThreadCounters counters = heap.counters;
            counters.countCollected(remote, bin); // the freeing threads already subtracted them
            page.dropSeen(remote); // from the gauges too
            if ((local | remote) != 0 && page.kind() != PageKind.HUGE) {
                counters.settled(bin, page.capacity() - page.used());
            }
        } catch (FreeListCorruption e) {
            reportCorruption(heap, page, e);
        }
    }

    /**
     * The forced collect ({@link Page#collectForced}): all frees go onto {@code free}; blocks moved
     * there are settled as in {@link #collect(LocalHeap, Page)}, counting the free list's length
     * first when it was not empty.
     */
    static void collectForced(LocalHeap heap, Page page) {
        ThreadCounters counters = heap.counters;
        try {
            boolean wasEmpty = page.freeHead() == 0;
            long local = page.localFreeHead();
            long before = wasEmpty || page.kind() == PageKind.HUGE ? 0 : FreeLists.length(page, page.freeHead());
            int remote = page.collectForced();
            if (remote != 0) {
                counters.countCollected(remote, page.bin()); // the freeing threads already subtracted them
                page.dropSeen(remote); // from the gauges too
            }
            if ((local != 0 || remote != 0) && page.localFreeHead() == 0 && page.kind() != PageKind.HUGE) {
                counters.settled(page.bin(), page.capacity() - page.used() - before);
            }
        } catch (FreeListCorruption e) {
            reportCorruption(heap, page, e);
        }
    }

    /**
     * Collects the remote frees of a page the heap's thread has exclusive use of (an abandoned
     * page it claimed); a broken list is reported.
     */
    static void collectRemote(LocalHeap heap, Page page) {
        try {
            int remote = page.collectThreadFree();
            if (remote != 0) {
                heap.counters.countCollected(remote, page.bin());
                page.dropSeen(remote);
            }
        } catch (FreeListCorruption e) {
            reportCorruption(heap, page, e);
        }
    }

    /** Reports a broken list of {@code page} now. */
    static void reportCorruption(LocalHeap heap, Page page, FreeListCorruption e) {
        heap.context.reporter().report(ErrorKind.FREE_LIST_CORRUPTION, page.areaStart(), e.getMessage());
    }
}
