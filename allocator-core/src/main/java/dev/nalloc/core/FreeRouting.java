package dev.nalloc.core;

import dev.nalloc.core.heap.BlockFree;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.heap.HeapSlot;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.heap.SegmentReclaim;
import dev.nalloc.core.heap.ThreadHeaps;
import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.core.stats.UnownedFrees;

/**
 * Where a freed block goes, for every mode (mimalloc's {@code free.c} routing): the local free list
 * when the page is local to the caller's slot (its own heap or its lease), an abandoned segment
 * taken over on free, another thread's page through its thread-free list, or a huge page's
 * release. The blocks come validated: each mode finds them its own way.
 */
final class FreeRouting {

    private final Engine engine;
    private final ThreadHeaps threads;
    private final BlockLookup blocks;
    /**
     * The counts of threads without data of their own, taken once: the engine attached its gauges
     * before building this (a free-only thread counts on every free: one load here, not three).
     */
    private final UnownedFrees unowned;

    FreeRouting(Engine engine, BlockLookup blocks) {
        this.engine = engine;
        this.threads = engine.threads;
        this.blocks = blocks;
        this.unowned = engine.registry.getVolatileUnownedFrees();
    }

    /**
     * FAST's free slow path, from the address (everything {@link NallocAllocator#free}'s fast path
     * did not take): 0, misuse (reported), another segment, a page in the full queue, another
     * thread's page, an abandoned segment, a huge page. {@code unlisted}: the caller has no entry in
     * any of the fast path's lookups (a free-only thread, or one whose heap is not entered yet), so
     * {@link ThreadHeaps#heldForFreeUnlisted} does not repeat them.
     *
     * <p>C2 shape: one piece above the hot-method inlining limit ({@code -XX:FreqInlineSize}, 325
     * bytes of bytecode), so C2 compiles it once on its own and never inlines it into
     * {@code free}, nor through {@code free} into every loop of the program that frees: those
     * compilations then stay small and quick, and an uncommon trap in this path throws away this
     * method's code only. The address checks are {@link BlockLookup#pageOfBlock}'s and
     * {@link BlockLookup#blockAt}'s, written out here (shared helpers would shrink this method under
     * the limit); FreeShapeTest guards the shape.
     */
    void freeAddress(long address, boolean unlisted) {
        if (address == 0) {
            engine.checkOpen();
            return;
        }
        Segment seg = SegmentMap.lookup(address);
        if (seg == null || seg.allocator != engine) {
            blocks.invalid(address, "is not a block of this allocator");
            return;
        }
        Page page = Page.of(seg, address);
        if (page == null || !page.inUse()) {
            blocks.invalid(address, "lies in free memory of this allocator");
            return;
        }
        long index = page.blockIndexOf(address);
        long block = page.areaStart() + index * page.blockSize();
        if (block != address || index >= page.reserved()) {
            block = blocks.interiorBlock(page, address, index, block);
            if (block == 0) {
                return;
            }
        }
        HeapSlot s = seg.huge ? null : unlisted ? threads.heldForFreeUnlisted(seg) : threads.heldForFree(seg);
        LocalHeap own;
        if (s != null && s.isLocal(seg, Thread.currentThread())) {
            s.cacheFreeSegment(seg); // local to this thread's slot, never huge
            BlockFree.local(page, block);
        } else if (engine.getVolatileReclaimOnFree() && seg.getVolatileAbandoned() && (own = ownHeapForReclaim()) != null
                && SegmentReclaim.reclaimOnFree(own, seg)) {
            // tookOverOnFree written out (this method stays in one piece over C2's limit: see above)
            BlockFree.local(page, block); // the segment is ours now
            engine.reporter.flush(); // the reclaim's purges: the free is complete
        } else if (page.kind() == PageKind.HUGE) {
            freeHuge(page);
        } else {
            // The page's bin is read before the push: once the block is on the list, the owner may
            // collect it, empty the page and make it a page of another size class, and the free
            // would be counted in that class.
            int bin = page.bin();
            if (BlockFree.remote(page, block)) {
                countRemoteFree(bin, s);
            } else {
                freeIntoDestroyedHeap(block);
            }
        }
    }

    /**
     * A remote free met the seal of a page whose heap a destroy emptied meanwhile (a free racing
     * with {@code destroy()}, see {@link Page#seal}): the block went with the heap; nothing was
     * counted or changed.
     */
    void freeIntoDestroyedHeap(long block) {
        engine.reporter.report(ErrorKind.INVALID_FREE, block, "the block at " + Reporter.hex(block)
                + " went with its heap, destroyed while it was freed");
    }

    /**
     * Puts a freed block of a page of blocks with encoded links (CHECKED, SECURE) on its lists: the
     * local free list when the page is local to the caller's slot (the segment is then cached for
     * the next frees) or its abandoned segment is taken over ({@link #freeIntoTakenOver}), else the
     * page's thread-free list. A free that meets the seal of a page whose
     * heap a destroy emptied meanwhile is reported ({@link #freeIntoDestroyedHeap}) and changes nothing.
     *
     * @return false when the block is at the head of the thread-free list already (two frees at once)
     */
    boolean freeEncoded(Page page, long block) {
        Segment seg = page.segment;
        HeapSlot s = threads.heldForFree(seg);
        if (s != null && s.isLocal(seg, Thread.currentThread())) {
            s.cacheFreeSegment(seg);
            BlockFree.local(page, block);
            return true;
        }
        if (freeIntoTakenOver(page, block)) {
            return true;
        }
        int bin = page.bin(); // before the push: see freeAddress
        int pushed = BlockFree.remoteEncoded(page, block);
        if (pushed == EncodedPage.PUSHED) {
            countRemoteFree(bin, s);
        } else if (pushed == EncodedPage.REFUSED) {
            freeIntoDestroyedHeap(block);
        } else {
            return false; // the block is at the head of the thread-free list already: freed twice at once
        }
        return true;
    }

    /** Whether the caller frees into {@code seg} locally (its own or leased heap's segment). */
    boolean isLocal(Segment seg) {
        HeapSlot s = threads.held();
        return s != null && s.isLocal(seg, Thread.currentThread());
    }

    /**
     * Option {@code abandoned_reclaim_on_free} for a block of a page with encoded links (CHECKED,
     * SECURE), not local to the caller: when its segment is abandoned and the caller takes it over
     * ({@link #tookOverOnFree}), the block goes on the page's local free list, as FAST's
     * {@link #freeAddress} does.
     *
     * @return whether the segment was taken over and the block freed
     */
    boolean freeIntoTakenOver(Page page, long block) {
        if (!tookOverOnFree(page.segment)) {
            return false;
        }
        BlockFree.local(page, block); // the segment is ours now
        engine.reporter.flush(); // the reclaim's purges: the free is complete
        return true;
    }

    /**
     * Option {@code abandoned_reclaim_on_free}: a thread with a heap of its own that frees into an
     * abandoned segment takes the segment over, if it wins the claim (mimalloc's reclaim on free).
     */
    private boolean tookOverOnFree(Segment seg) {
        LocalHeap own;
        return engine.getVolatileReclaimOnFree() && seg.getVolatileAbandoned() && (own = ownHeapForReclaim()) != null
                && SegmentReclaim.reclaimOnFree(own, seg);
    }

    /**
     * The caller's own heap for option {@code abandoned_reclaim_on_free} (made now when the heap
     * policy gives the thread one), or null for a thread without one.
     */
    private LocalHeap ownHeapForReclaim() {
        LocalHeap own = threads.ownHeapIfAny();
        if (own == null && engine.heapPolicy.ownsHeap(Thread.currentThread())) {
            own = threads.ownHeap();
        }
        return own;
    }

    /**
     * Frees the block of a huge page (on any thread, every mode): its owner heap frees it, another
     * thread releases the segment once. No statistics: the block leaves the page sums when its
     * segment is released.
     */
    void freeHuge(Page page) {
        LocalHeap owner = (LocalHeap) page.getVolatileHeap();
        if (owner != null && owner.owner() != null && owner.owner() == Thread.currentThread()) {
            owner.freeHugeLocal(page);
        } else if (page.casHugeReleased()) {
            engine.segments.release(page.segment);
        }
        engine.reporter.flush(); // OS trouble of giving the segment back: the free is complete
    }

    /**
     * Counts a free into another thread's page in the counters of the caller's slot ({@code s}: its
     * own data or its lease), or, for a thread that holds none (a free-only thread), in the
     * instance's shared adjustments: no thread data is made for it.
     */
    void countRemoteFree(int bin, HeapSlot s) {
        if (s != null) {
            s.heap.tld.counters.countRemoteFree(bin);
        } else {
            unowned.countOpaque(bin);
        }
    }
}
