package dev.nalloc.core.heap;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentMap;

/**
 * Freeing one block (mimalloc's {@code free.c}): every way a block goes back to its page is here.
 * <ul>
 *   <li>By the page's owner thread ({@link #local} and its fast-path copies): the block goes on the
 *       page's {@code localFree} list with plain stores; the page's last block back retires the
 *       page, and the first one back into a full page moves it out of the full queue.</li>
 *   <li>By another thread ({@link #remote}): the block goes on the page's {@code threadFree} list
 *       with one CAS ({@link Page#freeRemote}), or, while the page is in its heap's full queue, on
 *       the heap's delayed list ({@link dev.nalloc.core.page.PageOwner#casPushDelayedFree}), so that
 *       the owner learns that the page has room again.</li>
 *   <li>Delayed frees ({@link #freeDelayed}): the owner takes its delayed list on its next slow
 *       path and frees each block as its own.</li>
 * </ul>
 * The owner's slow paths share {@link #local} (plain or encoded links, the page possibly full).
 * The allocators' free fast paths know that the page is not full (a full page fails
 * {@link Page#isBlockStart}) and what kind it is, and each has a copy of its own without the tests
 * it never needs: {@link #localNotFull} (FAST) and {@link #localEncodedNotFull} (SECURE), forced
 * copies that BlockFreeShapeTest guards. {@link #delayedBlock} is {@link #local} retiring quietly.
 */
public final class BlockFree {

    private BlockFree() {
    }

    // ------------------------------------------------------------------ by another thread

    /**
     * Frees a block of another thread's page (any thread; FAST pages).
     *
     * @return false when the page's heap was destroyed meanwhile (the page is sealed: see
     *         {@link Page#seal}); nothing changed then
     */
    public static boolean remote(Page page, long block) {
        return page.freeRemote(block);
    }

    /**
     * {@link #remote} for a page with encoded links.
     *
     * @return {@link EncodedPage#PUSHED}, {@link EncodedPage#REFUSED} (sealed) or {@link EncodedPage#AT_HEAD} (the block
     *         is already the head of the thread-free list: a double free)
     */
    public static int remoteEncoded(Page page, long block) {
        return ((EncodedPage) page).freeRemoteEncoded(block);
    }

    // ------------------------------------------------------------------ delayed frees

    /** Frees the blocks on the delayed list (mimalloc's {@code _mi_heap_delayed_free_partial}). */
    static void freeDelayed(LocalHeap heap) {
        if (!heap.hasDelayedFreeAcquire()) {
            return;
        }
        long block = heap.getAndClearDelayedFree();
        while (block != 0) {
            long next = Mem.load(block);
            Segment seg = SegmentMap.lookup(block);
            Page page = seg == null || seg.allocator != heap.context.allocatorIdentity() ? null : Page.of(seg, block);
            if (page == null || !page.inUse() || page.getVolatileHeap() != heap || !page.isCarvedBlock(block)) {
                // A link overwritten after the free: the rest of the list is lost (its blocks stay used).
                heap.context.reporter().report(ErrorKind.FREE_LIST_CORRUPTION, block, "the delayed-free list of a heap links to "
                        + "0x" + Long.toHexString(block) + ", not a block of the heap's pages");
                return;
            }
            page.useDelayedFree(Page.NO_DELAYED_FREE, false);
            PageCollect.collect(heap, page);
            heap.counters.countCollected(1, page.bin()); // the freeing thread already subtracted it
            page.dropSeen(1); // from the gauges too
            delayedBlock(heap, page, block);
            block = next;
        }
    }

    /**
     * {@link #local} inside {@link #freeDelayed}'s loop, retiring quietly: OS trouble of freeing a
     * page is reported by the caller's flush, once the whole list is freed.
     */
    private static void delayedBlock(LocalHeap heap, Page page, long block) {
        Mem.store(block, page instanceof EncodedPage e ? e.encodeLink(block, page.localFreeHead()) : page.localFreeHead());
        page.setLocalFreeHead(block);
        if (page.decrementUsed() == 0) {
            PageRetire.retireQuietly(heap, page);
        } else if (page.inFull()) {
            FullQueue.unfull(heap, page);
        }
    }

    // ------------------------------------------------------------------ by the owner thread

    /**
     * Frees a block of a page of this thread, its link encoded on an encoded page (CHECKED and SECURE
     * instances): the owner's slow paths (no statistics: snapshots sum the pages' {@code used}).
     */
    public static void local(Page page, long block) {
        Mem.store(block, page instanceof EncodedPage e ? e.encodeLink(block, page.localFreeHead()) : page.localFreeHead());
        page.setLocalFreeHead(block);
        if (page.decrementUsed() == 0) {
            PageRetire.retire(owner(page), page);
        } else if (page.inFull()) {
            FullQueue.unfull(owner(page), page);
        }
    }

    /**
     * FAST's free fast path: {@link #local} for a plain page known not to be in the full queue (a
     * full page fails {@link Page#isBlockStart}, so its frees come through the slow path). A forced
     * copy: without {@link #local}'s class and full tests it stays within the size both compilers
     * inline at any call site, and FAST's fast path names no {@link EncodedPage} (BlockFreeShapeTest).
     */
    public static void localNotFull(Page page, long block) {
        Mem.store(block, page.localFreeHead());
        page.setLocalFreeHead(block);
        if (page.decrementUsed() == 0) {
            PageRetire.retire(owner(page), page);
        }
    }

    /**
     * SECURE's free fast path: {@link #local} for an encoded page known not to be in the full queue.
     * A forced copy: a cast instead of {@link #local}'s class test, and no full test, whose profile
     * on the fast path is one-sided (BlockFreeShapeTest).
     */
    public static void localEncodedNotFull(Page page, long block) {
        Mem.store(block, ((EncodedPage) page).encodeLink(block, page.localFreeHead()));
        page.setLocalFreeHead(block);
        if (page.decrementUsed() == 0) {
            PageRetire.retire(owner(page), page);
        }
    }

    /** The heap of a page of this thread (owner thread: its heap is set). */
    private static LocalHeap owner(Page page) {
        return (LocalHeap) page.getVolatileHeap();
    }
}
