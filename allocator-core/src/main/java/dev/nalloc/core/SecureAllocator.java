package dev.nalloc.core;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.heap.BlockFree;
import dev.nalloc.core.heap.HeapSlot;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.page.PageMode;
import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.spi.AllocatorConfig;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link dev.nalloc.api.Allocator} of SECURE instances (mimalloc's secure build, its levels
 * folded into one): FAST's structure and fast paths, on pages whose free-list links are encoded
 * with per-page keys, plus:
 *
 * <ul>
 * <li>every link popped is decoded and verified (0 or a carved block of the same page); a broken
 * one is reported as {@code FREE_LIST_CORRUPTION}, its block is never handed out and the rest of
 * that list is dropped (counted as used);</li>
 * <li>a double-free screen at every free (mimalloc's {@code mi_check_is_double_free}): a free
 * block's first word is a valid encoded link, a live block's almost never is (the keys are
 * random per page), so the free path decodes that word and, only when it reads as a link, walks
 * the page's lists: a block found there is reported as {@code DOUBLE_FREE} and left alone;</li>
 * <li>frees of blocks never carved, of addresses inside a block (unless the page holds aligned
 * blocks, as in FAST) and of addresses outside live pages are refused;</li>
 * <li>random carving order, guard pages between pages and random arena placement (in the
 * engine); guarded sampling, with the guarded blocks kept in a map.</li>
 * </ul>
 *
 * There is no per-block state and no atomic instruction on the owner's paths: SECURE pays a
 * decode and a range check per allocation and per free. What this finds for certain and what it
 * finds with high probability is in docs/modes.md.
 */
final class SecureAllocator extends ModeAllocator {

    /**
     * A block handed out with a guard page after it: the user address and the guard page;
     * {@code unprotected} when the OS would not protect the guard (the block is sampled, its room
     * still ends there, nothing is lifted at free); {@code withheld} once it was freed but its guard
     * would not lift (see {@link #liftOrWithhold}).
     */
    private record Guarded(long address, long guard, boolean unprotected, boolean withheld) {
    }

    /** The live guarded blocks by block start (guarded sampling only). */
    private final ConcurrentHashMap<Long, Guarded> guarded = new ConcurrentHashMap<>();

    SecureAllocator(AllocatorConfig config) {
        super(config);
    }

    // ================================================================== allocation

    /** FAST's malloc fast path with the link decoded and verified; small, so that it inlines. */
    @Override
    public long malloc(long size) {
        EncodedPage[] direct;
        if (Long.compareUnsigned(size, SizeClasses.SMALL_SIZE_MAX) <= 0 && sampler == null
                && (direct = directPages(Thread.currentThread())) != null) {
            EncodedPage page = direct[(int) ((size + 7) >>> 3)]; // typed: no class check (see directPages)
            long block = page.freeHead();
            if (block == 0) {
                return mallocRefill(page, size);
            }
            long next = page.popEncoded(block);
            page.setFreeHead(next);
            page.incrementUsed();
            if (next != 0 || page.mode().brokenLink() == 0) {
                return block; // its link word is cleared (see EncodedPage.popEncoded)
            }
        }
        return mallocSlow(size);
    }

    /**
     * The direct page's free list is empty: its local frees refill it (FAST's
     * {@code NallocAllocator.mallocRefill}: no heap entered, no {@link #allocate}), else the slow
     * path. The pop decodes and verifies the link and clears the block's link word as the fast
     * path's does; a broken link leaves the block counted as used and its report to
     * {@link #mallocSlow}.
     */
    private long mallocRefill(EncodedPage page, long size) {
        long block = LocalHeap.popLocalFree(page);
        if (block != 0 && (page.freeHead() != 0 || page.mode().brokenLink() == 0)) {
            return block;
        }
        return mallocSlow(size);
    }

    /**
     * Everything the fast path leaves: a thread without its table entry, an empty page, sampling,
     * other sizes; and the report of a link the fast path found broken (that block stays counted as
     * used: it is never handed out).
     */
    private long mallocSlow(long size) {
        HeapSlot s = enter();
        try {
            if (Long.compareUnsigned(size, SizeClasses.SMALL_SIZE_MAX) <= 0) {
                Page page = s.heap.directPage(size);
                if (page.mode() != null && page.mode().brokenLink() != 0) {
                    reportBroken(page);
                }
            }
            return allocate(s.heap, size, 1, 0, false);
        } finally {
            s.exit();
        }
    }

    /**
     * Every allocation but malloc's fast path. One method on purpose (over C2's 325-byte limit for
     * inlining hot calls): were it inlined into {@link #malloc}, the compiled malloc would be too big
     * to be inlined into the program's own loops.
     */
    @Override
    long allocate(LocalHeap heap, long size, long alignment, long offset, boolean zero) {
        if (!goodRequest(size, alignment, offset)) {
            return badRequest(size, alignment, offset);
        }
        if (sampler != null && sampled(size, alignment)) {
            return allocateGuarded(heap, size, zero);
        }
        boolean plain = alignment <= SizeClasses.WORD && (offset & (alignment - 1)) == 0;
        boolean small = plain && size <= SizeClasses.SMALL_SIZE_MAX;
        while (true) {
            if (small) { // malloc's fast path again (kept as a copy: a shared helper shrinks this method under C2's limit), for heaps and zalloc
                Page page = heap.directPage(size);
                long block = page.freeHead();
                if (block != 0) {
                    long next = ((EncodedPage) page).popEncoded(block);
                    page.setFreeHead(next);
                    page.incrementUsed();
                    if (next != 0 || page.mode().brokenLink() == 0) {
                        if (zero && !page.freeIsZero()) { // (a block of a page that reads as zero needs nothing: its link word is cleared)
                            Mem.zero(block, page.blockSize());
                        }
                        return block;
                    }
                    reportBroken(page);
                    continue;
                }
            }
            // The engine's paths: the pop cleared the block's link word, and a broken link shows in
            // the heap's count, so the page is looked up only to report or to zero.
            long broken = heap.brokenLinks();
            long address = small ? heap.mallocEncoded(size, zero) : allocateOther(heap, size, alignment, offset, plain);
            if (address == 0) {
                return 0;
            }
            if (heap.brokenLinks() != broken) {
                reportBroken(pageOf(address));
                continue;
            }
            if (!small && size > Layout.MEDIUM_OBJ_SIZE_MAX) {
                recentFrees.remove(address); // a large or huge block: its page is its own (see RecentFrees)
            }
            if (zero && !small) {
                Page page = pageOf(address);
                if (!page.freeIsZero()) { // else fresh or purged OS memory, which reads as zero (the pop cleared the link word)
                    Mem.zero(address, page.blockStartOf(address) + page.blockSize() - address);
                }
            }
            return address;
        }
    }

    /** Reports the block whose link {@link Page#popNext} found broken (it is not handed out). */
    private void reportBroken(Page page) {
        PageMode mode = page.mode();
        long block = mode.takeBrokenLink();
        reportCorrupted(block, brokenLinkProblem(block, page.blockSize()));
    }

    @Override
    int claimGuarded(Page page, long block, long address, long size, long guard, boolean zero) {
        if (page.mode().brokenLink() != 0) {
            reportBroken(page);
            return 0;
        }
        if (zero && !page.freeIsZero()) { // a block of a list known to read as zero (fresh or purged OS memory) needs nothing
            Mem.zero(address, guard - address);
        }
        page.mode().markGuarded(); // before the block is out: its frees must take the slow path
        guarded.put(block, new Guarded(address, guard, false, false));
        if (page.reserved() == 1) {
            recentFrees.remove(address);
        }
        return 1;
    }

    @Override
    void guardFailed(Page page, long block, long address, long size, long guard) {
        // Still a sampled block at an interior address of its area: frees must find it (not "unaligned").
        guarded.put(block, new Guarded(address, guard, true, false));
    }

    // ================================================================== free

    /**
     * FAST's free fast path (a block of the segment of this thread's last free) with the
     * double-free screen; blocks that may be free, blocks of pages with guarded blocks, large
     * blocks and everything else take {@link #freeSlow}.
     */
    @Override
    public void free(long address) {
        EncodedPage page = lastFreePage(address); // typed: no class check (see lastFreePage)
        if (page == null) {
            freeSlow(address, FREE_UNLISTED);
            return;
        }
        // isBlockStart: a carved block of a page of blocks outside the full queue (see Page.blockLimit)
        if (page.isBlockStart(address) && page.reserved() > 1 && !page.mayBeFree(address)
                && (sampler == null || !page.mode().hasGuarded())) {
            BlockFree.localEncodedNotFull(page, address);
            return;
        }
        freeSlow(address, FREE);
    }

    /**
     * Everything the fast path did not take: {@code what} is {@link #FREE}, or {@link #FREE_UNLISTED}
     * for a thread without an entry in any of the fast path's lookups (a free-only thread, or one
     * whose heap is not entered yet), whose push does not look it up again (as FAST's
     * {@code FreeRouting.freeAddress} with {@code unlisted}).
     */
    private void freeSlow(long address, int what) {
        if (address == 0) {
            checkOpen();
            return;
        }
        resolve(address, "free", what);
    }

    /** {@link #resolve}: find the live block only. */
    private static final int FIND = 0;
    /** {@link #resolve}: find the live block and free it. */
    private static final int FREE = 1;
    /**
     * {@link #resolve}: find the live block and free it, for a thread the fast path's lookups just
     * missed (only a thread enters itself in them, so that miss was exact): its slot for the push
     * is looked for only among its own heap's and its leases ({@code ThreadHeaps.heldForFreeUnlisted}).
     */
    private static final int FREE_UNLISTED = 2;

    /**
     * The slow path of free, usableSize and realloc: finds the live block {@code address} was
     * handed out at, or reports why there is none (outside live pages, in a block never carved, on
     * a free list, inside a block: allowed in pages of aligned blocks, except in a guarded block);
     * unless {@code what} is {@link #FIND}, frees it. One method on purpose (over C2's 325-byte limit for inlining hot
     * calls): were it inlined into {@link #free}, the compiled free would be too big to be inlined
     * into the program's own loops.
     *
     * @return the start of the block, or 0 after a report
     */
    private long resolve(long address, String op, int what) {
        EncodedPage page = (EncodedPage) livePage(address, op);
        if (page == null) {
            return 0;
        }
        long index = page.blockIndexOf(address);
        long block = page.areaStart() + index * page.blockSize();
        if (index >= page.capacity()) {
            reporter.report(ErrorKind.INVALID_FREE, address, Reporter.hex(address) + " lies in a block that was never allocated ("
                    + op + ")");
            return 0;
        }
        Guarded g = guardedAt(page, block);
        if (g == null && page.mayBeFree(block) && page.onFreeLists(block)) { // a live guarded block is on no list
            reporter.report(ErrorKind.DOUBLE_FREE, address, "the block at " + Reporter.hex(address)
                    + " is on a free list: freed already, or never handed out (" + op + ")");
            return 0;
        }
        if (g != null ? g.address != address : block != address && !page.hasAligned()) {
            reportUnaligned(address, g != null ? g.address : block, g != null ? g.guard - g.address : page.blockSize(), op);
            return 0;
        }
        if (what == FIND) {
            return block;
        }
        if (g != null) {
            if (g.withheld || !guarded.remove(block, g)) { // freed already, or another thread freed it first
                reportDoubleFree(address, op);
                return 0;
            }
            if (!g.unprotected && !liftOrWithhold(page, block, g.guard)) {
                guarded.put(block, new Guarded(g.address, g.guard, false, true)); // freed: a second free is a double free
                return block;
            }
        }
        if (page.reserved() == 1) {
            recentFrees.add(address);
        }
        // The owner's or another thread's push, as CheckedAllocator.push without the fill (kept as a
        // copy: a shared helper shrinks this method under C2's limit).
        if (page.kind() == PageKind.HUGE) {
            frees.freeHuge(page);
        } else {
            HeapSlot s = what == FREE_UNLISTED ? threads.heldForFreeUnlisted(page.segment) : threads.heldForFree(page.segment);
            if (s != null && s.isLocal(page.segment, Thread.currentThread())) {
                s.cacheFreeSegment(page.segment);
                BlockFree.local(page, block);
            } else if (!frees.freeIntoTakenOver(page, block)) { // else an abandoned segment taken over: freed locally
                int bin = page.bin(); // before the push: see FreeRouting.freeAddress
                int pushed = BlockFree.remoteEncoded(page, block);
                if (pushed == EncodedPage.PUSHED) {
                    frees.countRemoteFree(bin, s);
                } else if (pushed == EncodedPage.REFUSED) { // its heap was destroyed meanwhile: see Page.seal
                    frees.freeIntoDestroyedHeap(block);
                    return 0;
                } else { // another thread pushed it just now: two frees at the same time
                    reporter.report(ErrorKind.DOUBLE_FREE, address, "the block at " + Reporter.hex(address)
                            + " was freed already (by another thread at the same time) (" + op + ")");
                    return 0;
                }
            }
        }
        if (g != null) {
            reporter.flush(); // a guard page that would not come off: the free is complete
        }
        return block;
    }

    /** The guarded block at {@code block}, or null (always without sampling: no page object touched). */
    private Guarded guardedAt(Page page, long block) {
        return sampler != null && page.mode().hasGuarded() ? guarded.get(block) : null;
    }

    // ================================================================== sizes and realloc

    /** The usable size of the live block at {@code address}, or -1 after reporting why it is not one. */
    @Override
    long usable(long address, String op) {
        long block = resolve(address, op, FIND);
        return block == 0 ? -1 : room(pageOf(address), block, address);
    }

    /** Bytes from {@code address} to the end of its block (or to its guard page). */
    private long room(Page page, long block, long address) {
        Guarded g = guardedAt(page, block);
        return g != null ? g.guard - address : block + page.blockSize() - address;
    }

    @Override
    public long usableSize(long address) {
        checkOpen();
        return address == 0 ? 0 : Math.max(0, usable(address, "usableSize"));
    }

    @Override
    public long goodSize(long size) {
        checkOpen();
        Args.checkSize(size, "size");
        return size > Layout.MAX_ALLOC_SIZE ? size : SizeClasses.blockSizeFor(size); // as FAST
    }

    /** A re-allocation: in place under mimalloc's rule on the block's room, unless the block is guarded. */
    @Override
    long resize(long address, long newSize, long alignment, long offset, boolean zero, String op) {
        long block = resolve(address, op, FIND);
        if (block == 0) {
            return Reallocs.MISUSE;
        }
        Page page = pageOf(address);
        long room = room(page, block, address);
        boolean guardedBlock = guardedAt(page, block) != null;
        return !guardedBlock && Reallocs.fitsInPlace(address, room, newSize, alignment, offset) ? Reallocs.IN_PLACE : room;
    }

    @Override
    void release(long address, String op) {
        resolve(address, op, FREE); // found live just now: freed (its guard lifted)
    }

    // ================================================================== heaps

    @Override
    long visitedAddress(long block) {
        return visitedAddress(pageOf(block), block);
    }

    @Override
    long visitedAddress(Page page, long block) {
        Guarded g = guardedAt(page, block);
        return g != null ? g.address : block;
    }

    @Override
    boolean isGuarded(long address) {
        Page page = pageOf(address);
        Guarded g = guardedAt(page, page.blockStartOf(address));
        return g != null && g.address == address && !g.unprotected;
    }

    @Override
    void destroy(LocalHeap heap) {
        java.util.List<Object[]> lift = new java.util.ArrayList<>();
        guarded.forEach((block, g) -> {
            Segment seg = SegmentMap.lookup(block);
            Page page = seg == null ? null : Page.of(seg, block);
            if (page != null && page.getVolatileHeap() == heap && guarded.remove(block, g) && !g.unprotected) {
                lift.add(new Object[]{page, g.guard});
            }
        });
        for (Object[] l : lift) {
            liftOrWithholdPage(heap, (Page) l[0], (Long) l[1]);
        }
        withholdPages(heap);
        heap.destroy();
    }

    @Override
    void freeWithheld(Page page, long block) {
        guarded.remove(block);
        if (page.kind() == PageKind.HUGE) {
            frees.freeHuge(page);
        } else {
            pushFreed(page, block);
        }
    }
}
