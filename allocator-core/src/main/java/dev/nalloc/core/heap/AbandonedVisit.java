package dev.nalloc.core.heap;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.HeapArea;
import dev.nalloc.api.HeapVisitor;
import dev.nalloc.core.page.FreeListCorruption;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.Segment;


/**
 * The visit of one claimed abandoned segment (mimalloc's {@code _mi_segment_visit_blocks}): each of
 * its pages of the tag asked for, as an area and (when asked) its live blocks. The caller has the
 * segment to itself and collected its remote frees, so a page's live blocks are the carved ones
 * on none of its lists. Frees of the visited blocks by any thread (the visitor's too) are remote
 * ones that stay on the page's thread-free list until the segment is collected again: a block
 * freed during the visit may still be visited after it, and its memory stays mapped until then.
 */
final class AbandonedVisit {

    private AbandonedVisit() {
    }

    /** @return false when the visitor stopped the visit */
    static boolean visitSegment(LocalHeap heap, Segment seg, int tag, boolean all, HeapVisitor visitor,
                                BlockAddress address) {
        int i = 0;
        while (i < seg.sliceCount) {
            Page p = Page.atSlice(seg, i);
            if (p.inUse() && (tag < 0 || p.tag() == tag) && !visitPage(heap, p, all, visitor, address)) {
                return false;
            }
            i = p.sliceIndex + p.sliceCount();
        }
        return true;
    }

    /**
     * Visits one page that no heap holds (a page of a claimed abandoned segment, or the huge page
     * of a thread that ended): its area, then its live blocks at the addresses {@code address}
     * gives (0: not handed out, skipped).
     */
    static boolean visitPage(LocalHeap heap, Page p, boolean all, HeapVisitor visitor, BlockAddress address) {
        long bs = p.blockSize();
        HeapArea area = new HeapArea(p.areaStart(), p.areaSize(), (long) p.capacity() * bs, p.used(), bs, bs, p.tag());
        if (!call(heap, visitor, area, 0, bs)) {
            return false;
        }
        if (!all || p.used() == 0) {
            return true;
        }
        long[] free = new long[(p.capacity() + 63) >>> 6];
        try {
            for (long head : new long[]{p.freeHead(), p.localFreeHead()}) {
                for (long b = head; b != 0; b = p.nextFree(b)) {
                    int i = (int) p.blockIndexOf(b);
                    free[i >>> 6] |= 1L << (i & 63);
                }
            }
        } catch (FreeListCorruption e) { // which blocks are live is unknown: skip them
            heap.tld.context.reporter().report(ErrorKind.FREE_LIST_CORRUPTION, p.areaStart(), e.getMessage());
            return true;
        }
        for (int i = 0; i < p.capacity(); i++) {
            if ((free[i >>> 6] & (1L << (i & 63))) == 0) {
                long a = address.of(p, p.areaStart() + i * bs);
                if (a != 0 && !call(heap, visitor, area, a, bs)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean call(LocalHeap heap, HeapVisitor visitor, HeapArea area, long block, long bs) {
        boolean go = visitor.visit(area, block, bs);
        if (heap.tld.context.isClosed()) {
            throw new IllegalStateException("nalloc: the allocator was closed by a HeapVisitor during visitAbandonedBlocks "
                    + "(a visitor must not close the allocator)");
        }
        return go;
    }
}
