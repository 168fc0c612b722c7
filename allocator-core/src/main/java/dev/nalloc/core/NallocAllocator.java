package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.ArenaId;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Heap;
import dev.nalloc.api.HeapVisitor;
import dev.nalloc.api.Mode;
import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.heap.FastSlots;
import dev.nalloc.core.heap.HeapSlot;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.heap.SegmentReclaim;
import dev.nalloc.core.heap.ThreadData;
import dev.nalloc.core.heap.ThreadHeaps;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.page.SizeClasses;
import dev.nalloc.core.segment.Layout;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.spi.AllocatorConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The {@link Allocator} of Nalloc: argument checks, the malloc and free fast paths, and the
 * aligned/realloc families on top of the thread's heap. Thread-safe; hot paths take no lock and
 * allocate no Java object.
 */
final class NallocAllocator extends AbstractAllocator {

    private final Engine engine;
    private final ArenaHandles arenaHandles;
    /** How a thread finds its heap (see {@link ThreadHeaps}). */
    private final ThreadHeaps threads;
    /** This instance's salt in {@link FastSlots}, and whether it has one: the fast paths' first level. */
    private final int salt;
    private final boolean fast;
    /**
     * The own slot of the first thread that allocated (racy claim, written once per claimant): a
     * check before the {@link FastSlots} entry that costs one thread nothing over a single-threaded
     * allocator. Emptied at close; re-claimed when its thread's data is retired.
     */
    private HeapSlot claimed = HeapSlot.EMPTY;
    private final boolean global;
    private final Reallocs reallocs = new Reallocs(new FastBlocks(this));
    private final SegmentViews views;
    /** {@link #checkOpen} as the lookup's slow path calls it. */
    private final Runnable openCheck = this::checkOpen;

    NallocAllocator(AllocatorConfig config) {
        if (config.mode() == Mode.FAST && config.freeListEncoding() != null
                && config.freeListEncoding() != dev.nalloc.spi.FreeListEncoding.PLAIN) {
            throw new IllegalArgumentException("nalloc: an encoded free list needs mode CHECKED or SECURE (FAST reads plain links)");
        }
        this.engine = new Engine(config);
        this.arenaHandles = new ArenaHandles(engine);
        engine.registerExitHook(this::release);
        this.threads = engine.threads;
        this.salt = threads.salt;
        this.fast = threads.fast;
        this.global = config.global();
        this.views = new SegmentViews(global);
    }

    // ================================================================== checks

    void checkOpen() {
        if (engine.closed) {
            throw new IllegalStateException("nalloc: the allocator is closed");
        }
    }

    private static void checkSize(long size, String what) {
        if (size < 0) {
            throw new IllegalArgumentException("nalloc: negative " + what + ": " + size);
        }
    }

    private static void checkAlignment(long alignment) {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new IllegalArgumentException("nalloc: alignment must be a positive power of two: " + alignment);
        }
    }

    private long tooLarge(long size) {
        engine.reporter.report(ErrorKind.OUT_OF_MEMORY, 0, "request of " + size + " bytes is too large");
        return 0;
    }

    private void invalid(long address, String why) {
        checkOpen();
        engine.reporter.report(ErrorKind.INVALID_FREE, address, Reporter.hex(address) + " " + why);
    }

    /** The calling thread's own default heap (tests). */
    LocalHeap localHeap() {
        return ownHeap();
    }

    /**
     * The calling thread's slot (its own heap, or a lease: see {@link ThreadHeaps}), counted busy
     * until {@link HeapSlot#exit}: every call beyond the fast paths brackets its use of the heap so.
     */
    HeapSlot enter() {
        HeapSlot s = threads.enter(openCheck);
        if (claimed.owner == null && !s.lease) {
            claim(s);
        }
        return s;
    }

    /** The heap of {@link #enter}; give it back with {@link #done}. */
    LocalHeap heap0() {
        return enter().heap;
    }

    /** Gives back a heap of {@link #heap0} (its slot is no longer busy). */
    void done(LocalHeap heap) {
        heap.tld.slot().exit();
    }

    /** The claimed slot (the modes' fast paths copy it). */
    HeapSlot claimedSlot() {
        return claimed;
    }

    /** Claims the instance's slot for {@code s} (its thread's own): racy, a later claim may win. */
    private void claim(HeapSlot s) {
        claimed = s;
        if (engine.closed) { // close() raced with the claim: its emptying must win
            claimed = HeapSlot.EMPTY;
        }
    }

    /**
     * The calling thread's own default heap, made on first use whatever the policy says (for
     * {@code heap()}, {@code newHeap()}, {@code newArena()}: heaps that belong to the thread).
     */
    private LocalHeap ownHeap() {
        checkOpen();
        return threads.ownHeap();
    }

    @Override
    SegmentViews views() {
        return views;
    }

    @Override
    Engine engine() {
        return engine;
    }

    /** The thread-to-heap lookup, for the modes' fast paths. */
    ThreadHeaps threads() {
        return threads;
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
        if (c.owner == t) {
            direct = c.direct;
        } else if (FastSlots.OWNERS[i = FastSlots.index(t, salt)] == t && fast) {
            direct = FastSlots.DIRECTS[i];
        } else {
            HeapSlot s = ThreadHeaps.slotOf(threads.table, t); // the second level: leases, colliding ids
            if (s.owner != t) {
                return mallocSlow(size);
            }
            direct = s.direct;
        }
        if (Long.compareUnsigned(size, SizeClasses.SMALL_SIZE_MAX) <= 0) {
            Page page = direct[(int) ((size + 7) >>> 3)];
            long block = page.free;
            if (block != 0) {
                page.free = Mem.load(block);
                page.used++;
                return block;
            }
        }
        return mallocSlow(size);
    }

    private long mallocSlow(long size) {
        HeapSlot s = enter();
        try {
            return size >= 0 && size <= SizeClasses.SMALL_SIZE_MAX ? s.heap.mallocSmall(size) : mallocIn(s.heap, size);
        } finally {
            s.exit();
        }
    }

    long mallocIn(LocalHeap heap, long size) {
        checkSize(size, "size");
        if (size > Layout.MAX_ALLOC_SIZE) {
            return tooLarge(size);
        }
        return heap.malloc(size);
    }

    @Override
    public long zalloc(long size) {
        checkOpen();
        LocalHeap heap = heap0();
        try {
            return zallocIn(heap, size);
        } finally {
            done(heap);
        }
    }

    long zallocIn(LocalHeap heap, long size) {
        checkSize(size, "size");
        if (size > Layout.MAX_ALLOC_SIZE) {
            return tooLarge(size);
        }
        return heap.zalloc(size);
    }

    @Override
    public long calloc(long count, long size) {
        checkOpen();
        LocalHeap heap = heap0();
        try {
            return callocIn(heap, count, size);
        } finally {
            done(heap);
        }
    }

    long callocIn(LocalHeap heap, long count, long size) {
        long total = product(count, size);
        return total < 0 ? 0 : zallocIn(heap, total);
    }

    @Override
    public long mallocn(long count, long size) {
        checkOpen();
        LocalHeap heap = heap0();
        try {
            return mallocnIn(heap, count, size);
        } finally {
            done(heap);
        }
    }

    long mallocnIn(LocalHeap heap, long count, long size) {
        long total = product(count, size);
        return total < 0 ? 0 : mallocIn(heap, total);
    }

    /** {@code count * size}, or -1 on overflow. */
    private static long product(long count, long size) {
        checkSize(count, "count");
        checkSize(size, "size");
        long hi = Math.multiplyHigh(count, size);
        long lo = count * size;
        return hi != 0 || lo < 0 ? -1 : lo;
    }

    // ================================================================== aligned allocation

    @Override
    Reallocs reallocs() {
        return reallocs; // the aligned and realloc families (AbstractAllocator)
    }

    /**
     * mimalloc's {@code alloc-aligned.c}: naturally aligned size classes where they suffice,
     * otherwise over-allocation (the page is marked as holding aligned blocks so that interior
     * frees work), and beyond 16 MiB a huge segment aligned by the OS.
     */
    long alignedIn(LocalHeap heap, long size, long alignment, long offset, boolean zero) {
        checkSize(size, "size");
        checkSize(offset, "offset");
        checkAlignment(alignment);
        if (size > Layout.MAX_ALLOC_SIZE) {
            return tooLarge(size);
        }
        if (alignment > Layout.MAX_ALLOC_SIZE) {
            engine.reporter.report(ErrorKind.OUT_OF_MEMORY, 0, "alignment of " + alignment + " bytes is too large");
            return 0;
        }
        long mask = alignment - 1;
        if ((offset & mask) == 0 && alignment <= Layout.SLICE_SIZE) {
            if (alignment <= SizeClasses.WORD) {
                return zero ? heap.zalloc(size) : heap.malloc(size);
            }
            // Pages start on 64 KiB boundaries: a block size that is a multiple of the alignment
            // (or a page of one block) gives aligned blocks.
            long s = Math.max(size, alignment);
            long bs = SizeClasses.blockSizeFor(s);
            if (bs > Layout.MEDIUM_OBJ_SIZE_MAX || (bs & mask) == 0) {
                return zero ? heap.zalloc(s) : heap.malloc(s);
            }
        }
        if (alignment > Layout.BLOCK_ALIGNMENT_MAX) {
            if (heap.isDead()) {
                throw new IllegalStateException("the heap has been destroyed or deleted");
            }
            long adjust = (alignment - (offset & mask)) & mask;
            Page page = heap.hugePage(size, alignment, adjust);
            engine.reporter.flush(); // OS trouble first: if the handler throws, no block was taken
            if (page == null) {
                engine.os.endRetryWindow();
                engine.reporter.report(ErrorKind.OUT_OF_MEMORY, 0, "no memory for " + size + " bytes aligned to " + alignment);
                return 0;
            }
            long block = heap.takeHugeBlock(page, zero);
            if (adjust != 0) {
                page.hasAligned = true;
            }
            return block + adjust;
        }
        long over = size + mask;
        long block = zero ? heap.zalloc(over) : heap.malloc(over);
        if (block == 0) {
            return 0;
        }
        long adjust = (alignment - ((block + offset) & mask)) & mask;
        if (adjust != 0) {
            Segment seg = SegmentMap.lookup(block);
            if (seg == null) { // only a close racing with this call takes the block's segment out of the map
                checkOpen();
            }
            seg.pageOf(block).hasAligned = true;
        }
        return block + adjust;
    }

    // ================================================================== free and queries

    /**
     * The fast path: an address in the segment of the thread's last local free (cached in its
     * claimed slot, {@link FastSlots} entry or second-level slot) that is exactly a block start of a
     * page there is pushed on that page's local free list. The page comes from the cache, not from
     * the address through the segment map, so the loads do not wait for the address. Everything else
     * (other segments, 0, misuse) goes to {@link #freeSlow}. No closed check: close() empties the
     * lookup, and after it the segment map lookup fails and the slow path throws IllegalStateException.
     */
    @Override
    public void free(long address) {
        // The same lookup as ModeAllocator.lastFreePage, written out here: it yields two values
        // (base and cover), which a shared method could only return in an object.
        Thread t = Thread.currentThread();
        HeapSlot c = claimed;
        long base;
        Page[] cover;
        int i;
        if (c.owner == t) {
            base = c.lastFreeBase;
            cover = c.lastFreeCover;
        } else if (FastSlots.OWNERS[i = FastSlots.index(t, salt)] == t && fast) {
            base = FastSlots.FREE_BASES[i];
            cover = FastSlots.FREE_COVERS[i];
        } else {
            HeapSlot s = ThreadHeaps.slotOf(threads.table, t);
            if (s.owner != t) {
                freeSlow(address);
                return;
            }
            base = s.lastFreeBase;
            cover = s.lastFreeCover;
        }
        long offset = address - base;
        if (Long.compareUnsigned(offset, Layout.SEGMENT_SIZE) < 0) {
            Page page = cover[(int) (offset >>> Layout.SLICE_SHIFT)];
            if (page.isBlockStart(address)) { // false for a page in the full queue: see Page.setInFull
                LocalHeap.freeLocalBlockNotFull(page, address);
                return;
            }
        }
        freeSlow(address);
    }

    private void freeSlow(long address) {
        if (address == 0) {
            checkOpen();
            return;
        }
        Page page = pageOfBlock(address);
        long block = page == null ? 0 : blockAt(page, address);
        if (block == 0) {
            return;
        }
        Segment seg = page.segment;
        Thread current = Thread.currentThread();
        HeapSlot s = seg.huge ? null : threads.heldForFree(seg);
        if (s != null && s.isLocal(seg, current)) {
            s.cacheFreeSegment(seg); // local to this thread's slot, never huge
            LocalHeap.freeLocalBlock(page, block);
        } else if (engine.reclaimOnFree && seg.abandoned && reclaimOnFree(seg)) {
            LocalHeap.freeLocalBlock(page, block); // the segment is ours now
            engine.reporter.flush(); // the reclaim's purges: the free is complete
        } else {
            freeRemote(page, block, s);
        }
    }

    /**
     * Option {@code abandoned_reclaim_on_free}: a thread with a heap of its own that frees into an
     * abandoned segment takes the segment over (if it wins the claim).
     */
    private boolean reclaimOnFree(Segment seg) {
        LocalHeap own = threads.ownHeapIfAny();
        if (own == null) {
            if (!engine.heapPolicy.ownsHeap(Thread.currentThread())) {
                return false;
            }
            own = threads.ownHeap();
        }
        return SegmentReclaim.reclaimOnFree(own, seg);
    }

    /** The page of blocks of this instance that {@code address} lies in, or null after reporting the misuse. */
    private Page pageOfBlock(long address) {
        Segment seg = SegmentMap.lookup(address);
        if (seg == null || seg.allocator != engine) {
            invalid(address, "is not a block of this allocator");
            return null;
        }
        Page page = seg.pageOf(address);
        if (page == null || !page.inUse) {
            invalid(address, "lies in free memory of this allocator");
            return null;
        }
        return page;
    }

    /**
     * The start of the block of {@code page} at {@code address} (interior addresses only inside
     * aligned blocks), or 0 after reporting the misuse.
     */
    private long blockAt(Page page, long address) {
        long index = page.blockIndexOf(address);
        long block = page.start + index * page.blockSize;
        return block == address && index < page.reserved ? block : interiorBlock(page, address, index, block);
    }

    /** The block of an interior address (aligned blocks), or 0 after reporting the misuse. */
    private long interiorBlock(Page page, long address, long index, long block) {
        if (index >= page.reserved || address < page.start) {
            invalid(address, "lies outside the blocks of its page");
            return 0;
        }
        if (!page.hasAligned) {
            engine.reporter.report(ErrorKind.UNALIGNED_FREE, address, Reporter.hex(address)
                    + " is inside the block at " + Reporter.hex(block) + ", not at its start");
            return 0;
        }
        return block;
    }

    /** A free on a thread that does not own the page (and every huge free); {@code s}: the caller's slot or null. */
    private void freeRemote(Page page, long block, HeapSlot s) {
        if (page.kind == PageKind.HUGE) {
            freeHuge(page);
            return;
        }
        if (page.freeRemote(block)) {
            countRemoteFree(page, s);
        } else {
            freeIntoDestroyedHeap(block);
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
     * Frees the block of a huge page (on any thread, every mode): its owner heap frees it, another
     * thread releases the segment once. No statistics: the block leaves the page sums when its
     * segment is released.
     */
    void freeHuge(Page page) {
        LocalHeap owner = page.heap();
        if (owner != null && owner.owner() != null && owner.owner() == Thread.currentThread()) {
            owner.freeHugeLocal(page);
        } else if (page.claimHugeRelease()) {
            engine.segments.release(page.segment);
        }
        engine.reporter.flush(); // OS trouble of giving the segment back: the free is complete
    }

    /**
     * Counts a free into another thread's page in the counters of the caller's slot ({@code s}: its
     * own data or its lease), or, for a thread that holds none (a free-only thread), in the
     * instance's shared adjustments: no thread data is made for it.
     */
    void countRemoteFree(Page page, HeapSlot s) {
        if (s != null) {
            s.heap.tld.counters.countRemoteFree(page.bin);
        } else {
            engine.registry.countSharedRemoteFree(page.bin);
        }
    }

    @Override
    public long usableSize(long address) {
        checkOpen();
        if (address == 0) {
            return 0;
        }
        Page page = pageOfBlock(address);
        long block = page == null ? 0 : blockAt(page, address);
        return block == 0 ? 0 : block + page.blockSize - address;
    }

    @Override
    public long goodSize(long size) {
        checkOpen();
        checkSize(size, "size");
        return size > Layout.MAX_ALLOC_SIZE ? size : SizeClasses.blockSizeFor(size);
    }

    @Override
    public boolean isInHeapRegion(long address) {
        checkOpen();
        Segment seg = SegmentMap.lookup(address);
        return seg != null && seg.allocator == engine;
    }

    // ================================================================== heaps, segments, arenas

    @Override
    public Heap heap() {
        ThreadData tld = ownHeap().tld;
        if (tld.handle == null) {
            tld.handle = new NallocHeap(this, tld.defaultHeap());
        }
        return (Heap) tld.handle;
    }

    @Override
    public Heap newHeap() {
        return new NallocHeap(this, LocalHeap.newHeap(ownHeap().tld));
    }

    @Override
    @SuppressWarnings("restricted") // the engine's module runs with native access (see module-info)
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        checkOpen();
        LocalHeap heap = heap0();
        long address;
        try {
            address = alignedIn(heap, byteSize, byteAlignment, 0, true);
        } finally {
            done(heap);
        }
        if (address == 0) {
            throw new OutOfMemoryError("nalloc: out of memory allocating " + byteSize + " bytes");
        }
        return MemorySegment.ofAddress(address).reinterpret(byteSize);
    }

    @Override
    public void free(MemorySegment segment) {
        checkOpen();
        if (!segment.isNative()) {
            invalid(0, "is not a native segment");
            return;
        }
        free(segment.address());
    }

    @Override
    public Arena newArena() {
        return new NallocArena(this, LocalHeap.newHeap(ownHeap().tld));
    }

    @Override
    public ArenaId reserveOsMemory(long size, boolean commit, boolean exclusive) {
        checkOpen();
        ArenaId id = arenaHandles.reserve(size, commit, exclusive);
        engine.reporter.flush();
        return id;
    }

    @Override
    public ArenaId manageOsMemory(long address, long size, boolean committed, boolean zero, boolean exclusive,
                                  int numaNode) {
        checkOpen();
        return arenaHandles.manage(address, size, committed, zero, exclusive, numaNode);
    }

    @Override
    public Heap newHeapInArena(ArenaId arena) {
        checkOpen();
        return new NallocHeap(this, arenaHandles.newHeapIn(arena, ownHeap().tld));
    }

    /**
     * Collects the calling thread's heaps (a thread the policy gives no heap of its own has none), and
     * the shared heaps no running thread holds right now when forced or when the caller uses them.
     * Every collection also abandons the segments of threads found dead and gives back abandoned
     * segments that became empty.
     */
    @Override
    public void collect(boolean force) {
        checkOpen();
        LocalHeap own = threads.ownHeapIfAny();
        if (own == null && engine.heapPolicy.ownsHeap(Thread.currentThread())) {
            own = ownHeap();
        }
        if (own != null) {
            ThreadData tld = own.tld;
            if (force) {
                tld.drainHeapPool();
            }
            java.util.List<LocalHeap> heaps;
            try {
                heaps = tld.heaps();
            } catch (OutOfMemoryError e) {
                // No Java heap for the list: the default heap first (its freed pages give CHECKED's
                // block states back), then the others.
                own.collect(force);
                heaps = tld.heaps();
            }
            for (LocalHeap h : heaps) {
                h.collect(force);
            }
        }
        if (force || own == null) {
            threads.forEachLeaseNow(h -> h.collect(force));
        }
        engine.reporter.flush();
    }

    /**
     * mimalloc's {@code mi_thread_done}: the calling thread's heaps go (first-class ones are deleted
     * into the default heap, so their blocks stay valid), pages with live blocks are detached and its
     * segments abandoned for other threads to reclaim; a lease it holds is given back. The thread may
     * allocate again later: it then starts with fresh thread data.
     */
    @Override
    public void threadDone() {
        checkOpen();
        engine.retireCurrentThread();
        engine.reporter.flush(); // OS trouble of abandoning: the thread is done by now
    }

    @Override
    public AllocatorStats stats() {
        return engine.stats();
    }

    @Override
    public void resetPeaks() {
        engine.resetPeaks();
    }

    /** Every page of every segment of this instance, whichever thread's heap holds it. */
    @Override
    public void visitHeapAreas(HeapVisitor visitor) {
        checkOpen();
        engine.visitAreas(visitor);
    }

    @Override
    public Mode mode() {
        return engine.config.mode();
    }

    @Override
    public void close() {
        if (global) {
            throw new UnsupportedOperationException("nalloc: the global allocator cannot be closed");
        }
        release();
    }

    /** Gives all memory back (close, and the {@code destroy_on_exit} hook, also of the global instance). */
    void release() {
        if (engine.startClose()) {
            views.close(); // first: while a view is in a native call it throws, and nothing is released
            // Closed first, then the lookup emptied (a racing slow path sees one or the other), then
            // the memory released: from here on the fast paths fail over to the checking slow ones.
            engine.closed = true;
            claimed = HeapSlot.EMPTY;
            threads.close();
            engine.close();
            engine.reporter.flush(); // memory the OS would not take back: reported once all is given back
        }
    }

    @Override
    public String toString() {
        String name = engine.config.name();
        return "Nalloc[" + (name != null ? name : Integer.toHexString(System.identityHashCode(this))) + "]";
    }
}
