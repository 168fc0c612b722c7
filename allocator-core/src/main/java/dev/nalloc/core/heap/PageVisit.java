package dev.nalloc.core.heap;

import dev.nalloc.api.HeapArea;
import dev.nalloc.api.HeapVisitor;
import dev.nalloc.core.page.FreeListCorruption;
import dev.nalloc.core.page.Page;

/**
 * The visit of one page's live blocks by a {@link HeapVisitor} (mimalloc's
 * {@code mi_heap_area_visit_blocks}), robust to what the visitor does meanwhile: the live blocks
 * are known from a map of the free ones, made after collecting the page; after every call of the
 * visitor the page is looked at again (a few fields). Frees by this thread into the page since the
 * last look (the visitor freeing the block it was given, or others) are taken off the map by
 * walking just the new part of the page's {@code localFree} list; anything else that changed the
 * page (an allocation, a collect) makes a new map; a page that left the heap ends its visit. So a
 * block freed during the visit is never handed to the visitor afterwards, a block allocated
 * during it may or may not be, and no block is visited twice.
 */
final class PageVisit {

    private final LocalHeap heap;
    private final Page page;
    private final long start;
    private final long blockSize;
    private final HeapArea area;
    private int capacity;
    /** Bit {@code i} set: block {@code i} is free. */
    private long[] free;
    // What the page looked like when the map was made or last brought up to date.
    private int used;
    private long freeHead;
    private long localHead;

    PageVisit(LocalHeap heap, Page page, HeapArea area) {
        this.heap = heap;
        this.page = page;
        this.start = page.areaStart();
        this.blockSize = page.blockSize();
        this.area = area;
    }

    /**
     * Calls the visitor for every live block of the page.
     *
     * @return false when the visitor asked to stop
     */
    boolean run(HeapVisitor visitor) {
        if (!remap()) {
            return true;
        }
        for (int i = 0; i < capacity; i++) {
            if ((free[i >>> 6] & (1L << (i & 63))) != 0) {
                continue;
            }
            boolean go = visitor.visit(area, start + i * blockSize, blockSize);
            HeapVisit.afterVisitor(heap);
            if (!go) {
                return false;
            }
            if (page.used() != used || page.freeHead() != freeHead || page.localFreeHead() != localHead || page.capacity() != capacity) {
                if (!stillThisPage() || (!takeLocalFrees() && !remap())) {
                    return true; // the page left the heap (all its blocks were freed), or its lists broke
                }
            }
        }
        return true;
    }

    /** True while the page is the one the visit began with: in use by the heap, same blocks. */
    private boolean stillThisPage() {
        return page.inUse() && page.getVolatileHeap() == heap && !page.getAcquireHugeReleased() && page.areaStart() == start
                && page.blockSize() == blockSize;
    }

    /**
     * Collects the page and maps its free blocks afresh (the capacity may have grown).
     *
     * @return false when a list of the page is broken (reported; its blocks are not visited)
     */
    private boolean remap() {
        PageCollect.collectForced(heap, page); // forced: every free block is on the free list
        int cap = page.capacity();
        long[] map = new long[(cap + 63) >>> 6];
        try {
            for (long b = page.freeHead(); b != 0; b = page.nextFree(b)) {
                int i = (int) page.blockIndexOf(b);
                map[i >>> 6] |= 1L << (i & 63);
            }
            for (long b = page.localFreeHead(); b != 0; b = page.nextFree(b)) { // empty unless the collect left it (never, forced)
                int i = (int) page.blockIndexOf(b);
                map[i >>> 6] |= 1L << (i & 63);
            }
        } catch (FreeListCorruption e) { // an encoded page: which blocks are live is unknown, skip them
            PageCollect.reportCorruption(heap, page, e);
            return false;
        }
        capacity = cap;
        free = map;
        note();
        return true;
    }

    /**
     * Takes the blocks this thread freed into the page since the last look off the map, when that
     * is all that changed: they are the front of {@code localFree}, down to the head it had then.
     *
     * @return false when something else changed (the caller makes a new map)
     */
    private boolean takeLocalFrees() {
        int freed = used - page.used();
        if (freed <= 0 || page.freeHead() != freeHead || page.capacity() != capacity) {
            return false;
        }
        long b = page.localFreeHead();
        try {
            for (int n = 0; n < freed; n++) {
                if (b == 0 || !page.isCarvedBlock(b)) {
                    return false;
                }
                b = page.nextFree(b);
            }
        } catch (FreeListCorruption e) {
            return false; // the new map reports it
        }
        if (b != localHead) {
            return false;
        }
        b = page.localFreeHead();
        for (int n = 0; n < freed; n++) {
            int i = (int) page.blockIndexOf(b);
            free[i >>> 6] |= 1L << (i & 63);
            b = page.nextFree(b);
        }
        note();
        return true;
    }

    private void note() {
        used = page.used();
        freeHead = page.freeHead();
        localHead = page.localFreeHead();
    }
}
