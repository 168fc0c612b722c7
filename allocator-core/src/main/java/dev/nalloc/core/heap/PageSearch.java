package dev.nalloc.core.heap;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.segment.Segment;

/**
 * The allocation slow path (mimalloc's {@code _mi_malloc_generic} and the page search of its
 * {@code page.c}): housekeeping, then a page of the size's bin with a free block, carving more
 * blocks, moving pages without one to the full queue, and making a fresh page (from the space, an
 * abandoned segment, or a new segment) when the bin has none. Owner thread.
 */
final class PageSearch {

    /** Generic allocations between two calls of the deferred-free function (as mimalloc's 100). */
    private static final int DEFERRED_FREE_INTERVAL = 100;

    private PageSearch() {
    }

    /**
     * The slow path of every allocation of {@code heap} ({@link LocalHeap#mallocSmall} and the rest):
     * for a small size, first the direct page's local frees ({@link LocalHeap#popLocalFree}), before
     * any housekeeping; then the generic path proper.
     *
     * <p>C2 shape: kept in one piece above the hot-method inlining limit ({@code -XX:FreqInlineSize},
     * 325 bytes of bytecode), so C2 never inlines it into {@link LocalHeap#mallocSmall} and the fast
     * paths stay small enough to be inlined into the program's loops (HeapShapeTest guards it).
     */
    static long mallocGeneric(LocalHeap heap, long size, boolean zero) {
        if (size <= SizeClasses.SMALL_SIZE_MAX) { // the fast paths' direct page ran dry: its local frees, if that is all
            Page direct = heap.directPage(size);
            long block = LocalHeap.popLocalFree(direct);
            if (block != 0) {
                if (zero) {
                    LocalHeap.zeroBlock(direct, block);
                }
                return block;
            }
        }
        HeapContext context = heap.context;
        // One test for both periodic tasks (see housekeeping), due every DEFERRED_FREE_INTERVAL calls
        // from the start. C2 shape: one test by sign, not two branches, of which the collection's,
        // never taken while C2 compiled this, trapped (docs/design-core.md, "Shapes the JIT needs").
        long deferredLeft = DEFERRED_FREE_INTERVAL - 1 - ++heap.deferredCount;
        long collectLeft = context.genericCollectInterval() - 1 - ++heap.genericCount;
        if ((deferredLeft | collectLeft) < 0) {
            housekeeping(heap);
        }
        if (heap.dead) {
            throw new IllegalStateException("the heap has been destroyed or deleted");
        }
        heap.counters.genericCall();
        heap.counters.addGenericBytes(size);
        BlockFree.freeDelayed(heap);
        Page page = findPage(heap, size);
        if (page == null) {
            HeapCollect.collect(heap, true);
            page = findPage(heap, size);
            if (page == null) {
                context.segments().os().endRetryWindow(); // the next allocation waits for memory afresh
                context.reporter().flush(); // what the OS refused comes first
                context.reporter().report(ErrorKind.OUT_OF_MEMORY, 0, "no memory for a block of " + size + " bytes");
                return 0;
            }
        }
        // OS trouble met on the way (a purge, a guard page) is reported now, before the block is
        // taken: if the handler throws, this malloc has changed nothing the program can see.
        context.reporter().flush();
        long block = page.freeHead();
        page.setFreeHead(page.popNext(block));
        page.incrementUsed();
        if (page == heap.extendedPage) { // carved just now (a batch of fresh blocks): the gauges look at it
            heap.extendedPage = null;
            int accounted = page.accountedBlocks();
            if (accounted != page.seen()) {
                heap.counters.blocksChanged(page.blockSize(), accounted - page.seen());
                page.setSeen(accounted);
                // When the page is accounted exactly (not carved ahead) and small, the fast path takes
                // the rest of this free list unseen: those bytes are exposed. C2 shape: weighed by 0 or
                // 1, not tested: the test (one branch per comparison) was compiled while every carve
                // was of one kind and trapped at the first of the other, throwing the whole compiled
                // generic path away (rptest).
                heap.counters.addExposed(exposedByCarve(page, accounted));
                HeapGauges.settle(heap);
            }
        }
        if (zero) {
            LocalHeap.zeroBlock(page, block);
        }
        return block;
    }

    /**
     * The bytes of {@code page}'s free list that the fast path takes without the gauges seeing them:
     * all of its free blocks when the page's {@code accounted} blocks are its used ones (no carved
     * blocks counted ahead) and its blocks are small (the fast path serves them), else 0. Without a
     * branch (see the caller).
     */
    static long exposedByCarve(Page page, int accounted) {
        int used = page.used();
        int same = accounted ^ used;
        long exact = 1 - ((same | -same) >>> 31); // 1 when accounted == used
        long small = (page.blockSize() - SizeClasses.SMALL_SIZE_MAX - 1) >>> 63; // 1 when blockSize <= SMALL_SIZE_MAX
        return (exact & small) * (page.capacity() - used) * page.blockSize();
    }

    /**
     * The generic path's periodic tasks: the deferred-free function every {@link #DEFERRED_FREE_INTERVAL}
     * calls (first: it may allocate, free, even destroy the heap), then a light collection every
     * {@code generic_collect} calls (not of a heap the first destroyed: the caller throws).
     *
     * <p>C2 shape: out of line, over {@code -XX:MaxInlineSize} (35 bytes) at a call site taken about
     * once in a hundred calls, so C2 does not inline it into the generic path. Inlined, the
     * collection's test was compiled while no collection had been due yet (10,000 calls by default),
     * and the first one trapped and threw the whole compiled generic path away (HeapShapeTest).
     */
    private static void housekeeping(LocalHeap heap) {
        HeapContext context = heap.context;
        if (heap.deferredCount >= DEFERRED_FREE_INTERVAL) {
            heap.deferredCount = 0;
            context.deferredFree(heap.tld, false);
        }
        if (heap.genericCount >= context.genericCollectInterval() && !heap.dead) {
            heap.genericCount = 0;
            HeapCollect.collect(heap, false);
        }
    }

    /** A page with a free block for {@code size}, or null when out of memory. */
    private static Page findPage(LocalHeap heap, long size) {
        if (SizeClasses.isHuge(size)) {
            return hugePage(heap, size, 0, 0);
        }
        int bin = SizeClasses.bin(size);
        Page page = pageWithFree(heap, bin);
        if (page != null) {
            return page;
        }
        // As mimalloc (mi_page_queue_find_free_ex): retired pages are looked at only when no page of
        // the bin has a free block. Looked at on every call, they would be freed while a thread
        // still uses them (a page is all free for a moment between a free and the next malloc).
        PageRetire.collectRetired(heap, false);
        return freshPage(heap, bin);
    }

    /** The first page of bin {@code bin} with a free block; pages without one move to the full queue. */
    private static Page pageWithFree(LocalHeap heap, int bin) {
        Page page = heap.queues.first[bin];
        while (page != null) {
            Page next = page.next();
            PageCollect.collect(heap, page);
            if (page.freeHead() == 0 && page.canExtend()) {
                extend(heap, page);
            }
            if (page.freeHead() != 0) {
                page.setRetireExpire(0);
                return page;
            }
            FullQueue.toFull(heap, page);
            page = next;
        }
        return null;
    }

    /**
     * A new page of bin {@code bin}: from the space's free spans, else (for heaps of the thread's own
     * space, not ones bound to an arena) from an abandoned segment, which may bring a page of this
     * bin with free blocks along, else from a new segment.
     */
    private static Page freshPage(LocalHeap heap, int bin) {
        long blockSize = SizeClasses.binSize(bin);
        int slices = SizeClasses.pageSlices(blockSize);
        boolean takeKept = heap.hooks == null || heap.hooks.takesKeptGuard(blockSize, slices);
        boolean ownSpace = heap.space == heap.tld.space;
        // With target_segments_per_thread the spare counts as one more segment: taken only after the
        // reclaim search has abandoned segments down to the target.
        Page page = (Page) heap.space.allocateSpan(slices, false, !ownSpace || ForcedAbandon.target(heap.context) == 0, takeKept);
        if (page == null) {
            if (ownSpace && SegmentReclaim.reclaimForPage(heap, slices, blockSize)) {
                Page reclaimed = pageWithFree(heap, bin);
                if (reclaimed != null) {
                    return reclaimed;
                }
                page = (Page) heap.space.allocateSpan(slices, false, true, takeKept);
            }
            if (page == null) {
                page = (Page) heap.space.allocateSpan(slices, true, true, takeKept);
                if (page == null) {
                    return null;
                }
            }
        }
        long keptGuard = page.guardPage(); // before init: a span freed with its guard (SECURE)
        page.init(heap, PageKind.of(blockSize), page.segment.sliceAddress(page.sliceIndex),
                (long) slices << Layout.SLICE_SHIFT, blockSize, bin, page.isZeroInit());
        heap.queues.pushFront(bin, page);
        heap.counters.pageMade();
        if (heap.hooks != null) {
            heap.hooks.pageCreated(page, keptGuard);
        }
        extend(heap, page);
        return page;
    }

    /**
     * A new huge page for a block of at least {@code size} bytes whose address plus {@code adjust}
     * bytes is aligned to {@code alignment} (0: the segment alignment); null when out of memory.
     */
    static Page hugePage(LocalHeap heap, long size, long alignment, long adjust) {
        sweepReleasedHuge(heap);
        long blockSize = Layout.alignUp(Math.max(1, size + adjust), Layout.SLICE_SIZE);
        Segment seg = heap.context.segments().allocateHuge(null, blockSize, alignment, heap.space.arena());
        if (seg == null) {
            return null;
        }
        Page page = (Page) seg.hugeSpan();
        page.init(heap, PageKind.HUGE, seg.base, blockSize, blockSize, SizeClasses.BIN_HUGE, seg.memory.zero());
        heap.queues.pushFront(SizeClasses.BIN_HUGE, page);
        heap.counters.pageMade();
        heap.counters.hugeAllocated(blockSize); // its one block is taken at once
        heap.counters.hugeMade(blockSize);
        HeapGauges.settle(heap);
        if (heap.hooks != null) {
            heap.hooks.pageCreated(page, 0);
        }
        page.extend();
        return page;
    }

    /** Drops huge pages whose block another thread freed (their segment is gone). */
    static void sweepReleasedHuge(LocalHeap heap) {
        Page p = heap.queues.first[SizeClasses.BIN_HUGE];
        while (p != null) {
            Page next = p.next();
            if (p.getAcquireHugeReleased()) {
                heap.queues.remove(SizeClasses.BIN_HUGE, p);
                heap.counters.pageRemoved();
            }
            p = next;
        }
    }

    /**
     * Carves more blocks (counted for statistics); the page is remembered until the allocation that
     * follows looks at it for the gauges (see {@link LocalHeap#extendedPage}).
     */
    static void extend(LocalHeap heap, Page page) {
        page.extend();
        heap.counters.pageExtended();
        heap.extendedPage = page;
    }
}
