package dev.nalloc.core.heap;

import dev.nalloc.api.HeapArea;
import dev.nalloc.api.HeapVisitor;
import dev.nalloc.core.page.Page;

import java.util.ArrayList;
import java.util.List;

/**
 * Visiting a heap's areas and blocks (mimalloc's {@code mi_heap_visit_blocks}); the blocks of one
 * page are mapped by {@link PageVisit}. Owner thread.
 */
final class HeapVisit {

    private HeapVisit() {
    }

    /**
     * Areas, and with {@code all} every live block. The pages are the ones the heap has when the
     * visit begins (taken in a list first), so the visitor may allocate and free, in this heap too:
     * a page that leaves the heap meanwhile is skipped, pages made meanwhile are not visited, and
     * {@link PageVisit} keeps each page's map of live blocks up to date. What the visitor may not do
     * (destroy or delete this heap, end its thread, close the allocator) ends in an
     * {@link IllegalStateException} that names the rule.
     */
    static void visitBlocks(LocalHeap heap, boolean all, HeapVisitor visitor) {
        BlockFree.freeDelayed(heap);
        PageSearch.sweepReleasedHuge(heap);
        heap.context.reporter().flush();
        List<Page> pages = new ArrayList<>(heap.pageCount());
        heap.forEachPage(pages::add);
        heap.visiting++;
        try {
            for (Page page : pages) {
                if (page.inUse() && page.getVolatileHeap() == heap && !page.getAcquireHugeReleased() && !visitPage(heap, page, all, visitor)) {
                    return;
                }
            }
        } finally {
            heap.visiting--;
        }
    }

    private static boolean visitPage(LocalHeap heap, Page page, boolean all, HeapVisitor visitor) {
        PageCollect.collectForced(heap, page); // forced: every free block is on the free list
        long bs = page.blockSize();
        HeapArea area = new HeapArea(page.areaStart(), page.areaSize(), (long) page.capacity() * bs, page.used(), bs, bs, page.tag());
        boolean go = visitor.visit(area, 0, bs);
        afterVisitor(heap);
        if (!go) {
            return false;
        }
        if (!all || page.used() == 0 || !page.inUse() || page.getVolatileHeap() != heap || page.getAcquireHugeReleased()) {
            return true;
        }
        return new PageVisit(heap, page, area).run(visitor);
    }

    /**
     * After each call of a visitor: the rules a visitor may break without the heap refusing at once
     * (it cannot know the allocator will close) are checked here, before the visit reads a page again.
     */
    static void afterVisitor(LocalHeap heap) {
        if (heap.context.isClosed()) {
            throw new IllegalStateException("nalloc: the allocator was closed by a HeapVisitor during visitBlocks "
                    + "(a visitor must not close the allocator)");
        }
        if (heap.dead) {
            throw new IllegalStateException("nalloc: the heap was destroyed or deleted during visitBlocks "
                    + "(a visitor must not destroy, delete or end the thread of the heap it visits)");
        }
    }
}
