package dev.nalloc.core;

import dev.nalloc.core.heap.BlockFree;

import dev.nalloc.api.Allocator;
import dev.nalloc.core.heap.FastSlots;
import dev.nalloc.core.heap.HeapSlot;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.heap.ThreadHeaps;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.spi.AllocatorConfig;

/**
 * The {@link Allocator} of FAST instances: the malloc and free fast paths, and FAST's policy over
 * the shared services of {@link AbstractAllocator} (plain links, no per-block checks: what the
 * engine's view calls misuse is reported, nothing more). Thread-safe; hot paths take no lock and
 * allocate no Java object.
 */
final class NallocAllocator extends AbstractAllocator {

    private final Reallocs reallocs = new Reallocs(new FastBlocks(this));

    NallocAllocator(AllocatorConfig config) {
        super(config);
    }

    // ================================================================== allocation

    /**
     * The fast path: the calling thread's direct page table (from the instance's claimed slot, else
     * from its {@link FastSlots} entry, else from the lookup's second level), the page and the first
     * free block. No closed check (a closed instance has no claimed slot and no entries), no heap
     * object, no statistics.
     */
    @Override
    public long malloc(long size) {
        Thread t = Thread.currentThread();
        HeapSlot c = claimed;
        Page[] direct;
        int i;
        if (c.getPlainOwner() == t) {
            direct = c.direct;
        } else if (FastSlots.getPlainOwner(i = FastSlots.index(t, c.salt)) == t) {
            direct = FastSlots.DIRECTS[i];
        } else {
            HeapSlot s = ThreadHeaps.slotOf(threads.getPlainTable(), t); // the second level: leases, colliding ids
            if (s.getPlainOwner() != t) {
                return mallocSlow(size);
            }
            direct = s.direct;
        }
        if (Long.compareUnsigned(size, SizeClasses.SMALL_SIZE_MAX) <= 0) {
            Page page = direct[(int) ((size + 7) >>> 3)];
            long block = page.freeHead();
            if (block != 0) {
                page.setFreeHead(Mem.load(block));
                page.incrementUsed();
                return block;
            }
            return mallocRefill(page, size);
        }
        return mallocSlow(size);
    }

    /**
     * The direct page's free list is empty: its local frees refill it (see {@link LocalHeap#popLocalFree}),
     * else the heap's generic path. C2 shape: one out-of-line call from malloc. It is over
     * {@code -XX:MaxInlineSize} (35 bytes), and malloc meets it once in dozens of calls (a free list
     * holds at least four blocks, a batch of about 4 KiB), so C2 calls it rather than inlining it
     * into every compiled malloc and every loop that inlines malloc; the generic path is entered
     * directly, not through {@link #mallocSlow}, whose {@link LocalHeap#mallocSmall} would try the
     * direct page again. Written out in malloc, or as a small wrapper (which C2 inlines at any
     * frequency, and the refill with it), the refill was two thirds of malloc's inlined bytecode
     * (MallocShapeTest guards the shape).
     */
    private long mallocRefill(Page page, long size) {
        long block = LocalHeap.popLocalFree(page);
        if (block != 0) {
            return block;
        }
        HeapSlot s = enter();
        try {
            return s.heap.mallocGeneric(size);
        } finally {
            s.exit();
        }
    }

    private long mallocSlow(long size) {
        HeapSlot s = enter();
        try {
            return size >= 0 && size <= SizeClasses.SMALL_SIZE_MAX ? s.heap.mallocSmall(size) : allocations.malloc(s.heap, size);
        } finally {
            s.exit();
        }
    }

    @Override
    public long zalloc(long size) {
        checkOpen();
        HeapSlot s = enter();
        try {
            return allocations.zalloc(s.heap, size);
        } finally {
            s.exit();
        }
    }

    @Override
    public long calloc(long count, long size) {
        checkOpen();
        HeapSlot s = enter();
        try {
            long total = Args.product(count, size);
            return total < 0 ? 0 : allocations.zalloc(s.heap, total);
        } finally {
            s.exit();
        }
    }

    @Override
    public long mallocn(long count, long size) {
        checkOpen();
        HeapSlot s = enter();
        try {
            long total = Args.product(count, size);
            return total < 0 ? 0 : allocations.malloc(s.heap, total);
        } finally {
            s.exit();
        }
    }

    @Override
    Reallocs reallocs() {
        return reallocs; // the aligned and realloc families (AbstractAllocator)
    }

    @Override
    long allocateSegmentBlock(long byteSize, long byteAlignment) {
        checkOpen();
        HeapSlot s = enter();
        try {
            return allocations.aligned(s.heap, byteSize, byteAlignment, 0, true);
        } finally {
            s.exit();
        }
    }

    // ================================================================== heaps and arenas

    @Override
    long mallocIn(LocalHeap heap, long size) {
        return allocations.malloc(heap, size);
    }

    @Override
    long zallocIn(LocalHeap heap, long size) {
        return allocations.zalloc(heap, size);
    }

    /** The arena's small word-aligned case is its own ({@link NallocArena#allocate}); this is the rest. */
    @Override
    long arenaBlock(LocalHeap heap, long byteSize, long byteAlignment, boolean filled) {
        return allocations.aligned(heap, byteSize, byteAlignment, 0, !filled);
    }

    /** Small segments are cleared through the segment: the JDK's bulk fill beats word stores. */
    @Override
    boolean arenaFillsSmall() {
        return true;
    }

    @Override
    void destroyHeap(LocalHeap heap) {
        heap.destroy();
    }

    // ================================================================== free and queries

    /**
     * The fast path: an address that is exactly a block start of the page at its slice index in the
     * segment of the thread's last local free (cached in its claimed slot, {@link FastSlots} entry or
     * second-level slot) is pushed on that page's local free list. The page comes from the cache, not
     * from the address through the segment map, so the loads do not wait for the address; no segment
     * bounds test either: {@link Page#isBlockStart} is exact, so an address of another segment fails
     * it (see {@link HeapSlot#lastFreeCover()}). Everything else (other segments, 0, misuse) goes to
     * {@link #freeSlow}. No closed check: close() empties the lookup, and after it the segment map
     * lookup fails and the slow path throws IllegalStateException.
     */
    @Override
    public void free(long address) {
        // The same lookup as ModeAllocator.lastFreePage, written out here (no call in between).
        Thread t = Thread.currentThread();
        HeapSlot c = claimed;
        Page[] cover;
        int i;
        if (c.getPlainOwner() == t) {
            cover = c.lastFreeCover();
        } else if (FastSlots.getPlainOwner(i = FastSlots.index(t, c.salt)) == t) {
            cover = FastSlots.FREE_COVERS[i];
        } else {
            HeapSlot s = ThreadHeaps.slotOf(threads.getPlainTable(), t);
            if (s.getPlainOwner() != t) {
                freeUnlisted(address);
                return;
            }
            cover = s.lastFreeCover();
        }
        Page page = cover[HeapSlot.coverIndex(address)];
        if (page.isBlockStart(address)) { // false for a page in the full queue: see Page.setInFull
            BlockFree.localNotFull(page, address);
            return;
        }
        freeSlow(address);
    }

    /** Everything the fast path did not take, out of line: see {@link FreeRouting#freeAddress}. */
    private void freeSlow(long address) {
        frees.freeAddress(address, false);
    }

    /**
     * {@link #freeSlow} of a thread without an entry in any of the fast path's lookups (a free-only
     * thread, or one whose heap is not entered yet): the routing does not look them up again.
     */
    private void freeUnlisted(long address) {
        frees.freeAddress(address, true);
    }

    @Override
    public long usableSize(long address) {
        checkOpen();
        if (address == 0) {
            return 0;
        }
        Page page = blocks.pageOfBlock(address);
        long block = page == null ? 0 : blocks.blockAt(page, address);
        return block == 0 ? 0 : block + page.blockSize() - address;
    }

    @Override
    public long goodSize(long size) {
        checkOpen();
        Args.checkSize(size, "size");
        return size > Layout.MAX_ALLOC_SIZE ? size : SizeClasses.blockSizeFor(size);
    }
}
