package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.HeapVisitor;
import dev.nalloc.api.Mode;
import dev.nalloc.core.check.GuardedSampler;
import dev.nalloc.core.check.RecentFrees;
import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.heap.FastSlots;
import dev.nalloc.core.heap.HeapSlot;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.heap.ThreadHeaps;
import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.spi.AllocatorConfig;


/**
 * What the {@link Allocator}s of CHECKED ({@link CheckedAllocator}) and SECURE
 * ({@link SecureAllocator}) instances share. The mode is fixed when the instance is built, so
 * FAST's {@link NallocAllocator} carries no trace of either. Both run on the same engine, whose
 * pages get encoded free lists (see {@link dev.nalloc.core.check.ModePageHooks}); the subclasses
 * decide what is checked on each allocation and free:
 *
 * <ul>
 * <li>CHECKED (mimalloc's debug build): a per-block shadow for exact detection, padding with a
 * canary, fill patterns; every call pays for it.</li>
 * <li>SECURE (mimalloc's secure build): FAST's structure with encoded, verified links and a
 * double-free screen on the freed block's own link word; no per-block state.</li>
 * </ul>
 *
 * Both are policies over the services every mode shares ({@link AbstractAllocator}: the
 * thread-to-heap lookup, {@link Allocations}, {@link BlockLookup}, {@link FreeRouting}). Here: the
 * entry points that only choose a heap, what heaps and arenas do in these modes, guarded
 * sampling's placement, and the reports both modes make in the same words.
 */
abstract sealed class ModeAllocator extends AbstractAllocator permits CheckedAllocator, SecureAllocator {

    final Reporter reporter;
    /** Guarded sampling, or null when it is off. */
    final GuardedSampler sampler;
    final long osPageSize;
    /** Recent frees of blocks whose page goes away with them (large and huge): their double frees find no page. */
    final RecentFrees recentFrees = new RecentFrees();
    private final Reallocs reallocs = new Reallocs(new ModeBlocks(this));

    ModeAllocator(AllocatorConfig config) {
        super(config);
        this.reporter = engine.reporter;
        this.sampler = GuardedSampler.of(config.options(), engine.secret);
        this.osPageSize = engine.os.pageSize();
    }

    /** The allocator of a CHECKED or SECURE configuration. */
    static ModeAllocator of(AllocatorConfig config) {
        return config.mode() == Mode.CHECKED ? new CheckedAllocator(config) : new SecureAllocator(config);
    }

    // ================================================================== what the modes decide

    /**
     * Allocates {@code size} bytes in {@code heap} at an address {@code a} with
     * {@code (a + offset) % alignment == 0} (alignment 1: any word-aligned block).
     */
    abstract long allocate(LocalHeap heap, long size, long alignment, long offset, boolean zero);

    /** The usable size of the live block at {@code address}, or -1 after reporting why it is not one. */
    abstract long usable(long address, String op);

    /**
     * A re-allocation looks at the live block at {@code address} (see {@link Reallocs.Blocks#resize}):
     * {@link Reallocs#IN_PLACE} when the mode resized it in place, else the bytes a move copies, or
     * {@link Reallocs#MISUSE} after reporting why it is not a live block (the canary is checked here).
     */
    abstract long resize(long address, long newSize, long alignment, long offset, boolean zero, String op);

    /** Frees the block at {@code address} that {@link #resize} just found live (a re-allocation moved it). */
    abstract void release(long address, String op);

    /** Destroys a heap (all its blocks at once), first lifting the guard pages of its sampled blocks. */
    abstract void destroy(LocalHeap heap);

    /**
     * Guarded sampling: takes the block just placed at {@code address} (in the block at {@code block})
     * for {@code size} bytes, guarded by the page at {@code guard}, zeroed when {@code zero} (only
     * where it is not known to be zero: see {@link Page#freeIsZero()}): 1 when handed out, 0 (after
     * reporting) when the block was found corrupted and must not be handed out, -1 (after
     * reporting, the block given back) when the allocation fails.
     */
    abstract int claimGuarded(Page page, long block, long address, long size, long guard, boolean zero);

    /** Guarded sampling: the guard page could not be protected (reported); the block stays usable, unguarded. */
    abstract void guardFailed(Page page, long block, long address, long size, long guard);

    /**
     * A heap visit: the address the block starting at {@code block} (live in the engine's view) was
     * handed out at, or 0 when the mode does not count it live (it is not visited).
     */
    abstract long visitedAddress(long block);

    /** {@link #visitedAddress(long)} of a block of {@code page} (no segment map lookup). */
    @Override
    abstract long visitedAddress(Page page, long block);

    /** True when the live block at {@code address} has a guard page (tests). */
    abstract boolean isGuarded(long address);

    // ================================================================== checks

    /** True when {@link #allocate} takes this request as it is (no bad argument, not too large). */
    static boolean goodRequest(long size, long alignment, long offset) {
        return Args.goodRequest(size, alignment, offset);
    }

    /** A request {@link #allocate} refuses: throws for a negative or a bad argument, else reports it too large. */
    final long badRequest(long size, long alignment, long offset) {
        Args.checkSize(size, "size");
        Args.checkSize(offset, "offset");
        Args.checkAlignment(alignment);
        reporter.report(ErrorKind.OUT_OF_MEMORY, 0, "request of " + size + " bytes is too large");
        return 0;
    }

    /**
     * The page of a block this thread just got or holds live. Only a close racing with the call
     * takes it out of the segment map: then the call fails with {@link IllegalStateException}.
     */
    final Page pageOf(long address) {
        return blocks.pageOf(address);
    }

    // ================================================================== guards the OS would not lift

    /** A freed guarded block whose guard page the OS would not lift: not freed until it is. */
    private record Withheld(Page page, long block, long guard) {
    }

    private final java.util.concurrent.ConcurrentLinkedQueue<Withheld> withheld = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /**
     * Lifts the guard page of a guarded block being freed; when the OS would not, the block is
     * withheld (it stays counted as used, is never handed out, and a later {@link #collect} tries
     * again) and the failure reported.
     *
     * @return true when lifted: the caller frees the block
     */
    final boolean liftOrWithhold(Page page, long block, long guard) {
        String failure = engine.os.unprotectQuietly(guard, osPageSize);
        if (failure == null) {
            return true;
        }
        withheld.add(new Withheld(page, block, guard));
        engine.os.reportUnprotect(guard, osPageSize, failure);
        return false;
    }

    /** Frees a withheld block whose guard is lifted now (any thread, as a remote free may be). */
    abstract void freeWithheld(Page page, long block);

    /** Tries the withheld blocks once more (collect): those whose guard lifts now are freed. */
    final void retryWithheld() {
        for (int n = withheld.size(); n > 0; n--) {
            Withheld w = withheld.poll();
            if (w == null) {
                return;
            }
            if (w.page.getVolatileHeap() == null && w.page.kind() == null) {
                continue; // its page went with a destroyed heap (see withholdPages)
            }
            if (engine.os.unprotectQuietly(w.guard, osPageSize) == null) {
                freeWithheld(w.page, w.block);
            } else {
                withheld.add(w);
            }
        }
    }

    /**
     * Before {@code heap} is destroyed: the withheld blocks of its pages go with it, their guards
     * tried once more; a page whose guard still will not lift leaves the heap and stays out of use
     * ({@link LocalHeap#withholdPage}).
     */
    final void withholdPages(LocalHeap heap) {
        java.util.List<Withheld> mine = new java.util.ArrayList<>();
        for (java.util.Iterator<Withheld> it = withheld.iterator(); it.hasNext(); ) {
            Withheld w = it.next();
            if (w.page.getVolatileHeap() == heap) {
                it.remove();
                mine.add(w);
            }
        }
        for (Withheld w : mine) {
            liftOrWithholdPage(heap, w.page, w.guard);
        }
    }

    /**
     * Lifts a guard inside a page of {@code heap} (being destroyed, owner thread), or withholds the
     * page; a page withheld already keeps this guard with its others.
     */
    final void liftOrWithholdPage(LocalHeap heap, Page page, long guard) {
        String failure = engine.os.unprotectQuietly(guard, osPageSize);
        if (failure == null) {
            return;
        }
        if (page.isStuck()) {
            ((EncodedPage) page).addStuckGuard(guard, engine.os);
            engine.os.reportUnprotect(guard, osPageSize, failure);
        } else {
            heap.withholdPage(page, guard, failure, engine.os);
        }
    }

    /** Whether this request (of a plain or small alignment) gets a guard page (guarded sampling). */
    final boolean sampled(long size, long alignment) {
        return (alignment == 1 || (alignment <= 16 && !sampler.precise())) && sampler.sample(size);
    }

    /** A medium, large, huge or aligned block from the engine (not zeroed: the modes zero what needs it). */
    final long allocateOther(LocalHeap heap, long request, long alignment, long offset, boolean plain) {
        return plain ? allocations.malloc(heap, request) : allocations.aligned(heap, request, alignment, offset, false);
    }

    /** A block with a guard page right after its {@code size} bytes (guarded sampling). */
    final long allocateGuarded(LocalHeap heap, long size, boolean zero) {
        long span = sampler.span(size);
        long toGuard = Layout.alignUp(span, osPageSize);
        while (true) {
            long area = allocations.aligned(heap, toGuard + osPageSize, osPageSize, 0, false);
            if (area == 0) {
                return 0;
            }
            Page page = pageOf(area);
            long block = page.blockStartOf(area);
            long guard = area + toGuard;
            long address = guard - span;
            int claimed = claimGuarded(page, block, address, size, guard, zero);
            if (claimed < 0) {
                return 0;
            }
            if (claimed == 0) {
                continue; // the block was found corrupted and is quarantined: take another
            }
            if (!engine.os.protect(guard, osPageSize)) { // refused (counted; reported below): the page stays as it was
                guardFailed(page, block, address, size, guard);
                unguardedReported(address);
            }
            return address;
        }
    }

    /**
     * The guard page of the block just handed out at {@code address} could not be set (the block
     * is usable, unguarded): the OS's refusal goes to the handler now, within this allocation. If
     * the handler throws, the block goes back first, so that the allocation that throws has
     * allocated nothing (docs/api.md, "When an operation fails part-way").
     */
    private void unguardedReported(long address) {
        try {
            reporter.flush();
        } catch (RuntimeException | Error e) {
            try {
                release(address, "malloc");
            } catch (RuntimeException | Error more) {
                if (more != e) {
                    e.addSuppressed(more); // the block is freed by then (a free reports at its end)
                }
            }
            throw e;
        }
    }

    /** The page of blocks of this instance in use at {@code address}, or null after reporting. */
    final Page livePage(long address, String op) {
        Segment seg = SegmentMap.lookup(address);
        if (seg == null || seg.allocator != engine) {
            checkOpen();
            reportNotLive(address, op, "is not a block of this allocator");
            return null;
        }
        Page page = Page.of(seg, address);
        if (page == null || !page.inUse() || !page.holds(address)) {
            reportNotLive(address, op, "lies in free memory of this allocator");
            return null;
        }
        return page;
    }

    // ================================================================== reports both modes make

    /**
     * Reports an address that lies in no live page ({@code where} says where it lies): a double
     * free when it is a recently freed large or huge block (whose page went away), else an invalid one.
     */
    final void reportNotLive(long address, String op, String where) {
        if (recentFrees.contains(address)) {
            reportDoubleFree(address, op);
        } else {
            reporter.report(ErrorKind.INVALID_FREE, address, Reporter.hex(address) + " " + where + " (" + op + ")");
        }
    }

    final void reportDoubleFree(long address, String op) {
        reporter.report(ErrorKind.DOUBLE_FREE, address, "the block at " + Reporter.hex(address) + " was freed already (" + op + ")");
    }

    final void reportUnaligned(long address, long user, long size, String op) {
        reporter.report(ErrorKind.UNALIGNED_FREE, address, Reporter.hex(address) + " is inside the block at " + Reporter.hex(user)
                + " of " + size + " bytes, not at its start (" + op + ")");
    }

    /** Reports a block a free list handed out as corrupted ({@code problem} says how). */
    final void reportCorrupted(long block, String problem) {
        reporter.report(ErrorKind.FREE_LIST_CORRUPTION, block, problem);
    }

    static String brokenLinkProblem(long block, long blockSize) {
        return "the link of the free block at " + Reporter.hex(block) + " (blocks of " + blockSize
                + " bytes) was overwritten after it was freed; the rest of the page's free list is dropped";
    }

    // ================================================================== entry points

    /**
     * Allocates through the heap the calling thread uses now: its own, or a shared one the
     * {@link dev.nalloc.spi.HeapSelectionPolicy} assigns, held for this one call.
     */
    final long allocateHere(long size, long alignment, long offset, boolean zero) {
        HeapSlot s = enter();
        try {
            return allocate(s.heap, size, alignment, offset, zero);
        } finally {
            s.exit();
        }
    }

    @Override
    public long malloc(long size) {
        return allocateHere(size, 1, 0, false);
    }

    @Override
    public final long zalloc(long size) {
        return allocateHere(size, 1, 0, true);
    }

    @Override
    public final long calloc(long count, long size) {
        checkOpen();
        long total = Args.product(count, size);
        return total < 0 ? 0 : allocateHere(total, 1, 0, true);
    }

    @Override
    public final long mallocn(long count, long size) {
        checkOpen();
        long total = Args.product(count, size);
        return total < 0 ? 0 : allocateHere(total, 1, 0, false);
    }

    @Override
    final Reallocs reallocs() {
        return reallocs; // the aligned and realloc families (AbstractAllocator)
    }

    @Override
    final long allocateSegmentBlock(long byteSize, long byteAlignment) {
        return allocateHere(byteSize, byteAlignment, 0, true);
    }

    // ================================================================== heaps and arenas

    @Override
    final long mallocIn(LocalHeap heap, long size) {
        return allocate(heap, size, 1, 0, false);
    }

    @Override
    final long zallocIn(LocalHeap heap, long size) {
        return allocate(heap, size, 1, 0, true);
    }

    /** Every segment through the mode's checked path, zeroed there (the arena fills nothing itself). */
    @Override
    final long arenaBlock(LocalHeap heap, long byteSize, long byteAlignment, boolean filled) {
        return allocate(heap, byteSize, byteAlignment, 0, true);
    }

    @Override
    final boolean arenaFillsSmall() {
        return false;
    }

    @Override
    final void destroyHeap(LocalHeap heap) {
        destroy(heap);
    }

    /**
     * Each live block at the address it was handed out at (CHECKED: inside aligned and guarded
     * blocks; SECURE: inside guarded ones); blocks the mode withholds (quarantined, dropped from a
     * broken list) are not visited.
     */
    @Override
    final HeapVisitor visitorOf(HeapVisitor visitor) {
        return (area, block, blockSize) -> {
            if (block == 0) {
                return visitor.visit(area, 0, blockSize);
            }
            long address = visitedAddress(block);
            return address == 0 || visitor.visit(area, address, blockSize);
        };
    }

    @Override
    public void collect(boolean force) {
        super.collect(force);
        if (!withheld.isEmpty()) {
            retryWithheld();
        }
    }

    /**
     * The calling thread's direct page table when it is on a fast path (the claimed slot or its
     * {@link FastSlots} entry, else the lookup's second level), or null. Typed: the pages of these
     * modes are all {@link EncodedPage}s, and the table an {@code EncodedPage[]} read from fields
     * of that type, so the caller's page needs no class check (SecureTypedTablesTest).
     */
    final EncodedPage[] directPages(Thread t) {
        HeapSlot c = claimed;
        if (c.getPlainOwner() == t) {
            return c.encodedDirect;
        }
        int i = FastSlots.index(t, c.salt);
        if (FastSlots.getPlainOwner(i) == t) {
            return FastSlots.ENCODED_DIRECTS[i];
        }
        HeapSlot s = ThreadHeaps.slotOf(threads.getPlainTable(), t);
        return s.getPlainOwner() == t ? s.encodedDirect : null;
    }

    /**
     * The page or free span at the slice index of {@code address} in the segment of this thread's
     * last local free (its slot's or entry's cache: no segment map), or null when the thread has no
     * slot on a fast path. The address need not lie in that segment: the caller checks that it lies
     * in the page ({@link Page#isBlockStart} or {@link Page#holds}, exact). The free fast paths of
     * both modes.
     */
    final EncodedPage lastFreePage(long address) {
        Thread t = Thread.currentThread();
        HeapSlot c = claimed;
        EncodedPage[] cover;
        int i;
        if (c.getPlainOwner() == t) {
            cover = c.encodedFreeCover();
        } else if (FastSlots.getPlainOwner(i = FastSlots.index(t, c.salt)) == t) {
            cover = FastSlots.ENCODED_FREE_COVERS[i];
        } else {
            HeapSlot s = ThreadHeaps.slotOf(threads.getPlainTable(), t);
            if (s.getPlainOwner() != t) {
                return null;
            }
            cover = s.encodedFreeCover();
        }
        return cover[HeapSlot.coverIndex(address)];
    }

    /**
     * Puts a freed block of a page of blocks on its lists: the local free list when the page is
     * local to the caller's slot (its own heap or its lease; the segment is then cached for the next
     * frees), else the page's thread-free list.
     *
     * @return false when the block is at the head of the thread-free list already (two frees at once)
     */
    final boolean pushFreed(Page page, long block) {
        return frees.freeEncoded(page, block);
    }

    /** Whether the caller frees into {@code seg} locally (its own or leased heap's segment). */
    final boolean isLocal(Segment seg) {
        return frees.isLocal(seg);
    }

    /** The calling thread's default heap (tests check its invariants). */
    final LocalHeap defaultLocalHeap() {
        return localHeap();
    }

    @Override
    public final String toString() {
        return super.toString().replace("Nalloc[", "Nalloc[" + mode() + " ");
    }
}
