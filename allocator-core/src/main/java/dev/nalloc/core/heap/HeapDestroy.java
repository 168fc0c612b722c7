package dev.nalloc.core.heap;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.os.OsMemory;
import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.FreeListCorruption;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.page.PageQueues;
import dev.nalloc.core.stats.ThreadCounters;

/**
 * Destroying a heap (mimalloc's {@code mi_heap_destroy}): every block goes at once and becomes
 * invalid. A small heap of the thread's own space is emptied in place and pooled for the thread's
 * next new heap (short-lived heaps and arenas stay cheap); any other has its pages freed. Owner thread.
 */
final class HeapDestroy {

    /** Pooled heaps keep at most this many (emptied) pages. */
    private static final int POOLED_PAGES_MAX = 8;

    private HeapDestroy() {
    }

    /**
     * Frees every block of {@code heap} at once: pooled when the thread's heap pool has room and the
     * heap is small (its small and medium pages emptied in place), else every page freed.
     *
     * <p>C2 shape: one method on purpose (no per-page method): it is then too large to be inlined,
     * so {@link LocalHeap#destroy} (which only calls it) and its callers such as
     * {@code NallocArena.close} stay small enough to be inlined themselves and escape analysis
     * removes the arena objects (no garbage per arena). HeapShapeTest guards the size. The heap's
     * queues, counters, context and thread data are read from the heap where used, not held in
     * locals, to leave the page loop its registers (docs/design-core.md, "Shapes the JIT needs").
     */
    static void destroy(LocalHeap heap) {
        if (heap.isVisited()) {
            heap.checkNotVisited("destroy");
        }
        // Only full pages send remote frees to the delayed list; stop that before dropping the list.
        for (Page p = heap.queues.first[SizeClasses.BIN_FULL]; p != null; p = p.next()) {
            p.useDelayedFree(Page.NEVER_DELAYED_FREE, false);
        }
        // The blocks other threads freed into full pages wait on the delayed list, subtracted from
        // the statistics by their freeing threads and still counted in their pages' `used`: put
        // them back on their pages (counted as collected) before the pages go, or the live counts
        // end below zero by as many blocks.
        boolean gaveBack = false; // memory went back (an OS call may have failed): report at the end
        if (heap.hasDelayedFreeAcquire()) {
            BlockFree.freeDelayed(heap);
            gaveBack = true;
        }
        boolean pool = heap.pageCount() <= POOLED_PAGES_MAX && heap.space == heap.tld.space && heap.tag == 0 && heap.tld.poolHasRoom(heap);
        long gone = 0; // bytes and blocks going at once (a peak may have been reached just before)
        long goneBlocks = 0;

        // Each word of the occupied bitmap is read once: pages moved out of the full queue (the
        // last one) go to lower queues that were already walked, and removals only clear bits.
        for (int w = 0; w < PageQueues.OCCUPIED_WORDS; w++) {
            for (long bits = heap.queues.occupiedWord(w) & (w == 0 ? ~1L : -1L); bits != 0; bits &= bits - 1) {
                int q = (w << 6) + Long.numberOfTrailingZeros(bits);
                Page page = heap.queues.first[q];
                while (page != null) {
                    Page next = page.next();
                    if (page.kind() == PageKind.HUGE) {
                        heap.queues.remove(q, page);
                        heap.counters.pageRemoved();
                        if (page.casHugeReleased()) {
                            heap.context.segments().release(page.segment); // its block leaves the page sums with the segment
                            gaveBack = true;
                        }
                        page = next;
                        continue;
                    }
                    try {
                        // Remote frees from now on are refused (a free racing with the destroy is one
                        // before it or none); makes `used` exact: the freeing threads already
                        // subtracted the blocks taken.
                        int remote = page.seal();
                        if (remote != 0) {
                            heap.counters.countCollected(remote, page.bin());
                            page.dropSeen(remote);
                        }
                    } catch (FreeListCorruption e) {
                        // reported at the end: a handler that throws must not leave the heap half destroyed
                        heap.context.reporter().reportLater(ErrorKind.FREE_LIST_CORRUPTION, page.areaStart(), e.getMessage());
                        gaveBack = true;
                    }
                    if (pool && page.kind() != PageKind.LARGE) {
                        keepSealed(heap, page);
                        if (page.inFull()) {
                            heap.queues.move(SizeClasses.BIN_FULL, page.bin(), page);
                            page.setInFull(false);
                        }
                        int a = page.accountedBlocks(); // every block goes at once
                        gone += (long) a * page.blockSize();
                        goneBlocks += a;
                        HeapGauges.forget(heap, page);
                        int live = page.used();
                        if (live != 0) { // else all free already: the lists are fine as they are
                            if (!page.rewind()) { // a rewind keeps its count on the page (no counter work here)
                                HeapGauges.pageEnded(heap, page);
                                page.reset();
                                PageSearch.extend(heap, page); // a few blocks now, so the next heap's first allocation takes the fast path
                            }
                        }
                    } else {
                        heap.queues.remove(q, page);
                        page.setInFull(false);
                        heap.counters.pageRemoved();
                        HeapGauges.pageEnded(heap, page);
                        int a = page.accountedBlocks();
                        gone += (long) a * page.blockSize();
                        goneBlocks += a;
                        HeapGauges.forget(heap, page);
                        page.segment.space().freeSpan(page);
                        gaveBack = true;
                    }
                    page = next;
                }
            }
        }
        heap.generation++;
        HeapGauges.settleAfterDestroy(heap, gone, goneBlocks);
        if (pool) {
            dropStaleSealed(heap);
            heap.dead = true;
            PageRetire.forgetRetired(heap);
            heap.tld.poolHeap(heap);
            heap.leaveDefault();
        } else {
            heap.end();
            gaveBack = true;
        }
        if (heap.servesArena && heap.tld.waitsForArenas()) {
            heap.context.arenaClosedAfterThreadDone(heap.tld); // the last such arena retires the thread's data
        }
        if (gaveBack) {
            // OS trouble of freeing the pages, a corrupted list met on the way: the heap (and the
            // thread's data an arena held) is gone by now, whatever the handler does
            heap.context.reporter().flush();
        }
    }

    /**
     * A pooled heap is taken again: the pages its destroy sealed ({@link Page#seal}) and kept take
     * remote frees again. They are the pages of its queues (a pooled heap's pages change only when
     * the pool is drained: {@link #discardPooled}), listed by the destroy: the first in a field of
     * the heap, the others in an array, not a walk of the queues' bitmap and lists, which measured
     * several ns of an arena's open/close cycle (docs/performance.md). An arena's heap keeps one
     * page: its unseal is then two loads from the heap and one store, with no array (whose length
     * and element loads were a chain of dependent loads in the arena's open) and no loop.
     * LocalHeapTest checks the list against the queues.
     */
    static void unsealPages(LocalHeap heap) {
        int n = heap.sealedCount;
        if (n != 0) {
            heap.sealedCount = 0;
            heap.sealedFirst.unseal();
            if (n > 1) {
                unsealRest(heap.sealedPages, n - 1);
            }
        }
    }

    /** {@link #unsealPages}: the pages after the first (out of line: rare for an arena's heap). */
    private static void unsealRest(Page[] rest, int n) {
        for (int i = 0; i < n; i++) {
            rest[i].unseal();
        }
    }

    /**
     * Lists a page the destroy sealed and a pooled heap keeps ({@link #unsealPages}). The entry is
     * written only when it changes: a heap pooled again and again keeps the same pages, and a
     * reference store into an old object costs a GC write barrier (G1's card mark with a fence).
     */
    private static void keepSealed(LocalHeap heap, Page page) {
        int i = heap.sealedCount++;
        if (i == 0) {
            if (heap.sealedFirst != page) {
                heap.sealedFirst = page;
            }
            return;
        }
        Page[] rest = heap.sealedPages;
        if (rest == null) {
            rest = heap.sealedPages = new Page[POOLED_PAGES_MAX - 1];
        }
        if (rest[i - 1] != page) {
            rest[i - 1] = page;
        }
    }

    /** After a pooled heap's destroy: entries past its list (a former, longer list) hold no page. */
    private static void dropStaleSealed(LocalHeap heap) {
        int n = heap.sealedCount;
        if (n == 0) {
            heap.sealedFirst = null;
        }
        Page[] rest = heap.sealedPages;
        for (int i = Math.max(n - 1, 0); rest != null && i < rest.length && rest[i] != null; i++) {
            rest[i] = null;
        }
    }

    /** The pages a pooled heap's destroy listed to be unsealed ({@link #unsealPages}), in order (tests). */
    static java.util.List<Page> sealedList(LocalHeap heap) {
        java.util.List<Page> list = new java.util.ArrayList<>();
        for (int i = 0; i < heap.sealedCount; i++) {
            list.add(i == 0 ? heap.sealedFirst : heap.sealedPages[i - 1]);
        }
        return list;
    }

    /** Every page reference a pooled heap's list holds, listed or not (tests: none past the list). */
    static java.util.List<Page> sealedHeld(LocalHeap heap) {
        java.util.List<Page> list = new java.util.ArrayList<>();
        list.add(heap.sealedFirst);
        if (heap.sealedPages != null) {
            list.addAll(java.util.Arrays.asList(heap.sealedPages));
        }
        return list;
    }

    /** Frees the (empty) pages of a pooled heap and drops it. */
    static void discardPooled(LocalHeap heap) {
        PageQueues queues = heap.queues;
        heap.sealedFirst = null;
        if (heap.sealedPages != null) {
            java.util.Arrays.fill(heap.sealedPages, null);
        }
        heap.sealedCount = 0;
        heap.tld.removeHeap(heap);
        for (int q = queues.nextQueue(1); q >= 0; q = queues.nextQueue(q + 1)) {
            Page page;
            while ((page = queues.first[q]) != null) {
                queues.remove(q, page);
                heap.counters.pageRemoved();
                HeapGauges.pageEnded(heap, page);
                HeapGauges.forget(heap, page);
                page.segment.space().freeSpan(page);
            }
        }
        queues.clear();
    }

    /**
     * A page whose memory must not serve blocks again: a sampled block's guard page inside it that
     * the OS would not lift ({@code failure}). It leaves the heap with its blocks (the heap is being
     * destroyed) and stays out of use as a stuck span of its space until a collect lifts its guards
     * ({@link Page#makeStuck}); a huge page keeps its segment until close.
     */
    static void withholdPage(LocalHeap heap, Page page, long guard, String failure, OsMemory os) {
        ThreadCounters counters = heap.counters;
        heap.queues.remove(PageQueues.queueOf(page), page);
        page.setInFull(false);
        counters.pageRemoved();
        if (page.kind() == PageKind.HUGE) {
            page.casHugeReleased(); // nobody releases the segment now: it goes with the instance
            page.setVolatileHeap(null);
            os.reportUnprotect(guard, os.pageSize(), failure);
            return;
        }
        try {
            int remote = page.seal(); // frees that came before are counted; later ones are refused
            counters.countCollected(remote, page.bin());
            page.dropSeen(remote);
        } catch (FreeListCorruption e) {
            heap.context.reporter().reportLater(ErrorKind.FREE_LIST_CORRUPTION, page.areaStart(), e.getMessage());
        }
        HeapGauges.pageEnded(heap, page);
        ((EncodedPage) page).addStuckGuard(guard, os); // a page with guards: encoded
        page.segment.space().addStuck(page);
        page.makeStuck(failure);
    }
}
