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
     * Collects a page's frees. For the per-bin totals, blocks moved onto {@code free} leave
     * {@code used} for good: they are settled (see {@link ThreadCounters#settled}). When {@code free}
     * was empty, or after a forced collect, {@code free} holds all {@code capacity - used} free
     * blocks, so no walk is needed unless forced.
     */
    static void collect(LocalHeap heap, Page page, boolean force) {
        ThreadCounters counters = heap.counters;
        try {
            boolean wasEmpty = page.freeHead() == 0;
            long local = page.localFreeHead();
            long before = wasEmpty || !force || page.kind() == PageKind.HUGE ? 0 : FreeLists.length(page, page.freeHead());
            int remote = page.collect(force);
            if (remote != 0) {
                counters.countCollected(remote, page.bin()); // the freeing threads already subtracted them
                page.dropSeen(remote); // from the gauges too
            }
            if ((local != 0 || remote != 0) && (wasEmpty || force) && page.localFreeHead() == 0 && page.kind() != PageKind.HUGE) {
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
