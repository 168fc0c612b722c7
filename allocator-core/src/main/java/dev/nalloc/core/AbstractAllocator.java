package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorMisuseException;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.ArenaId;
import dev.nalloc.api.DeferredFree;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Heap;
import dev.nalloc.api.HeapVisitor;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.api.OptionValues;
import dev.nalloc.core.heap.FastSlots;
import dev.nalloc.core.heap.HeapSlot;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.heap.ThreadData;
import dev.nalloc.core.heap.ThreadHeaps;
import dev.nalloc.spi.AllocatorConfig;
import dev.nalloc.spi.FreeListEncoding;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * What the {@link Allocator}s of every mode share: the instance's {@link Engine} and the services
 * each mode's policy runs on (the thread-to-heap lookup with its claimed slot, {@link Allocations},
 * {@link BlockLookup}, {@link FreeRouting}), the entry points that only choose a heap or reach the
 * engine (heaps, arenas, OS memory, collect, statistics, lifecycle), the options, and the aligned
 * and realloc families (each one call into the mode's {@link Reallocs}). A mode is a subclass:
 * FAST ({@link NallocAllocator}) or CHECKED and SECURE ({@link ModeAllocator}); it decides how
 * blocks are allocated, found and freed, and what a {@link NallocHeap} and a {@link NallocArena}
 * do with their heap.
 */
abstract sealed class AbstractAllocator implements Allocator permits NallocAllocator, ModeAllocator {

    final Engine engine;
    final ArenaHandles arenaHandles;
    /** How a thread finds its heap (see {@link ThreadHeaps}). */
    final ThreadHeaps threads;
    /**
     * This instance's salt in {@link FastSlots} (the fast paths' first level). An instance without
     * a salt has {@link FastSlots#NO_SALT}, whose entries are never its own: the fast paths need no
     * test for it. The fast paths read it from the claimed slot ({@link HeapSlot#salt}), which they
     * have loaded already: the same value, or NO_SALT once the instance is closed.
     */
    final long salt;
    /**
     * The own slot of the first thread that allocated (racy claim, written once per claimant): a
     * check before the {@link FastSlots} entry that costs one thread nothing over a single-threaded
     * allocator. A field of the allocator itself, so that each mode's fast paths read it with one
     * load. Until a thread claims it, a placeholder with no owner and the instance's salt
     * ({@link HeapSlot#unclaimed}); {@link HeapSlot#EMPTY} (no owner, {@link FastSlots#NO_SALT})
     * from close on; re-claimed when its thread's data is retired.
     */
    HeapSlot claimed;
    final boolean global;
    final SegmentViews views;
    final Allocations allocations;
    final BlockLookup blocks;
    final FreeRouting frees;
    /** {@link #checkOpen} as the lookup's slow path calls it. */
    private final Runnable openCheck = this::checkOpen;

    AbstractAllocator(AllocatorConfig config) {
        if (config.mode() == Mode.FAST && config.freeListEncoding() != null
                && config.freeListEncoding() != FreeListEncoding.PLAIN) {
            throw new IllegalArgumentException("nalloc: an encoded free list needs mode CHECKED or SECURE (FAST reads plain links)");
        }
        this.engine = new Engine(config);
        this.arenaHandles = new ArenaHandles(engine);
        engine.registerExitHook(this::release);
        this.threads = engine.threads;
        this.salt = threads.salt;
        this.claimed = HeapSlot.unclaimed(salt);
        this.global = config.global();
        this.views = new SegmentViews(global);
        this.allocations = new Allocations(engine);
        this.blocks = new BlockLookup(engine);
        this.frees = new FreeRouting(engine, blocks);
    }

    // ================================================================== what a mode decides

    /** The families over this allocator's mode. */
    abstract Reallocs reallocs();

    /** A block of {@code size} bytes in {@code heap} (a {@link Heap}'s malloc: the arguments unchecked), or 0. */
    abstract long mallocIn(LocalHeap heap, long size);

    /** A zeroed block of {@code size} bytes in {@code heap} (a {@link Heap}'s zalloc), or 0. */
    abstract long zallocIn(LocalHeap heap, long size);

    /**
     * A block for an arena's segment in the arena's {@code heap} (the arguments unchecked), or 0:
     * zeroed, unless {@code filled} (then the arena clears the segment itself: see
     * {@link #arenaFillsSmall}).
     */
    abstract long arenaBlock(LocalHeap heap, long byteSize, long byteAlignment, boolean filled);

    /** Whether an arena clears its small segments itself (through the segment) rather than asking for zeroed blocks. */
    abstract boolean arenaFillsSmall();

    /** Destroys a heap (all its blocks at once: a heap's destroy, an arena's close). */
    abstract void destroyHeap(LocalHeap heap);

    /**
     * A heap visit of all blocks: {@code visitor} with each live block given at the address it was
     * handed out at (FAST: the block itself).
     */
    HeapVisitor visitorOf(HeapVisitor visitor) {
        return visitor;
    }

    /** The address a block of {@code page} was handed out at (heap visits); FAST: the block itself. */
    long visitedAddress(dev.nalloc.core.page.Page page, long block) {
        return block;
    }

    // ================================================================== the calling thread's heap

    /** Throws {@link IllegalStateException} when the allocator is closed. */
    final void checkOpen() {
        engine.checkOpen();
    }

    /**
     * The calling thread's slot (its own heap, or a lease: see {@link ThreadHeaps}), counted busy
     * until {@link HeapSlot#exit}: every call beyond the fast paths brackets its use of the heap so.
     */
    final HeapSlot enter() {
        HeapSlot s = threads.enter(openCheck);
        if (claimed.getPlainOwner() == null && !s.lease) {
            claim(s);
        }
        return s;
    }

    /** Claims the instance's slot for {@code s} (its thread's own): racy, a later claim may win. */
    private void claim(HeapSlot s) {
        if (s.salt != salt) {
            return; // not a slot of this instance: its salt would lead other threads to another instance's entries
        }
        claimed = s;
        if (engine.getVolatileClosed()) { // close() raced with the claim: its emptying must win
            claimed = HeapSlot.EMPTY;
        }
    }

    /**
     * The calling thread's own default heap, made on first use whatever the policy says (for
     * {@code heap()}, {@code newHeap()}, {@code newArena()}: heaps that belong to the thread).
     */
    final LocalHeap ownHeap() {
        checkOpen();
        return threads.ownHeap();
    }

    /** The calling thread's own default heap (tests check its invariants). */
    final LocalHeap localHeap() {
        return ownHeap();
    }

    /** The instance's state (tests). */
    final Engine engine() {
        return engine;
    }

    // ================================================================== views

    @Override
    public final MemorySegment asSegment(long address, long byteSize) {
        return views.view(address, viewSize(address, byteSize));
    }

    @Override
    public final MemorySegment asSegment(long address, long byteSize, Arena arena) {
        Objects.requireNonNull(arena, "arena");
        return SegmentViews.view(address, viewSize(address, byteSize), arena);
    }

    /**
     * {@code byteSize} once checked against the block: the mode's {@link #usableSize} finds the
     * block (and reports an address that is none, as it does for itself), so CHECKED bounds a view
     * by the requested size and FAST by the block's usable size.
     */
    private long viewSize(long address, long byteSize) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("nalloc: negative size " + byteSize);
        }
        if (address == 0) {
            throw new IllegalArgumentException("nalloc: no view of address 0");
        }
        long usable = usableSize(address);
        if (usable == 0) { // reported; the handler returned
            throw new AllocatorMisuseException(ErrorKind.INVALID_FREE, address,
                    ErrorKind.INVALID_FREE.message("no view of 0x" + Long.toHexString(address)
                            + ": not a block of this allocator"));
        }
        if (byteSize > usable) {
            throw new IndexOutOfBoundsException("nalloc: a view of " + byteSize + " bytes at 0x"
                    + Long.toHexString(address) + " is larger than the block (" + usable + " usable bytes)");
        }
        return byteSize;
    }

    // ================================================================== heaps, segments, arenas

    @Override
    public final Heap heap() {
        ThreadData tld = ownHeap().tld;
        if (tld.handle() == null) {
            tld.setHandle(new NallocHeap(this, tld.defaultHeap()));
        }
        return (Heap) tld.handle();
    }

    @Override
    public final Heap newHeap() {
        return new NallocHeap(this, LocalHeap.newHeap(ownHeap().tld));
    }

    @Override
    public final Heap newHeapInArena(ArenaId arena) {
        checkOpen();
        return new NallocHeap(this, arenaHandles.newHeapIn(arena, ownHeap().tld));
    }

    @Override
    public final Arena newArena() {
        return new NallocArena(this, LocalHeap.newHeap(ownHeap().tld));
    }

    @Override
    public final boolean isInHeapRegion(long address) {
        checkOpen();
        return blocks.inHeapRegion(address);
    }

    @Override
    @SuppressWarnings("restricted") // the engine's module runs with native access (see module-info)
    public final MemorySegment allocate(long byteSize, long byteAlignment) {
        long address = allocateSegmentBlock(byteSize, byteAlignment);
        if (address == 0) {
            throw new OutOfMemoryError("nalloc: out of memory allocating " + byteSize + " bytes");
        }
        return MemorySegment.ofAddress(address).reinterpret(byteSize);
    }

    /** The zeroed block of {@link #allocate(long, long)} in the calling thread's heap, or 0. */
    abstract long allocateSegmentBlock(long byteSize, long byteAlignment);

    @Override
    public final void free(MemorySegment segment) {
        checkOpen();
        if (!segment.isNative()) {
            blocks.invalid(0, "is not a native segment");
            return;
        }
        free(segment.address());
    }

    @Override
    public final ArenaId reserveOsMemory(long size, boolean commit, boolean exclusive) {
        checkOpen();
        ArenaId id = arenaHandles.reserve(size, commit, exclusive);
        engine.reporter.flush();
        return id;
    }

    @Override
    public final ArenaId manageOsMemory(long address, long size, boolean committed, boolean zero, boolean exclusive,
                                        int numaNode) {
        checkOpen();
        return arenaHandles.manage(address, size, committed, zero, exclusive, numaNode);
    }

    // ================================================================== lifecycle

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
    public final void threadDone() {
        checkOpen();
        engine.retireCurrentThread();
        engine.reporter.flush(); // OS trouble of abandoning: the thread is done by now
    }

    @Override
    public final AllocatorStats stats() {
        return engine.stats();
    }

    @Override
    public final void resetPeaks() {
        engine.resetPeaks();
    }

    /** Every page of every segment of this instance, whichever thread's heap holds it. */
    @Override
    public final void visitHeapAreas(HeapVisitor visitor) {
        checkOpen();
        engine.visitAreas(visitor);
    }

    @Override
    public final Mode mode() {
        return engine.config.mode();
    }

    @Override
    public final void close() {
        if (global) {
            throw new UnsupportedOperationException("nalloc: the global allocator cannot be closed");
        }
        release();
    }

    /** Gives all memory back (close, and the {@code destroy_on_exit} hook, also of the global instance). */
    final void release() {
        if (engine.casClosing()) {
            views.close(); // first: while a view is in a native call it throws, and nothing is released
            // Closed first, then the lookup emptied (a racing slow path sees one or the other), then
            // the memory released: from here on the fast paths fail over to the checking slow ones.
            engine.setVolatileClosed();
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

    // ================================================================== options, callbacks, huge pages

    @Override
    public final long option(Option option) {
        Objects.requireNonNull(option, "option");
        checkOpen();
        return engine.options.get(option);
    }

    @Override
    public final OptionValues options() {
        checkOpen();
        return engine.options.snapshot();
    }

    @Override
    public final void setOption(Option option, long value) {
        Objects.requireNonNull(option, "option");
        checkOpen();
        engine.setOption(option, value);
    }

    @Override
    public final void registerDeferredFree(DeferredFree deferredFree) {
        checkOpen();
        engine.registerDeferredFree(deferredFree);
    }

    @Override
    public final long reserveHugeOsPagesAt(long pages, int numaNode, long timeoutMillis) {
        checkOpen();
        return engine.reserveHugeOsPages(pages, numaNode, timeoutMillis, false);
    }

    @Override
    public final long reserveHugeOsPagesInterleave(long pages, int numaNodes, long timeoutMillis) {
        checkOpen();
        return engine.reserveHugeOsPages(pages, numaNodes, timeoutMillis, true);
    }

    @Override
    public final dev.nalloc.api.Heap newHeap(int tag, boolean allowDestroy, dev.nalloc.api.ArenaId arena) {
        if (tag < 0 || tag > 255) {
            throw new IllegalArgumentException("nalloc: a heap tag is 0 to 255, not " + tag);
        }
        dev.nalloc.api.Heap heap = arena == null ? newHeap() : newHeapInArena(arena);
        ((AbstractHeap) heap).localHeap().configure(tag, allowDestroy); // nothing handed out yet
        return heap;
    }

    @Override
    public final dev.nalloc.api.Heap defaultHeap() {
        dev.nalloc.api.Heap own = heap(); // checks open; makes the thread's data
        LocalHeap current = ((AbstractHeap) own).localHeap().tld.slot().heap;
        return current.defaultHandle() instanceof dev.nalloc.api.Heap set ? set : own;
    }

    @Override
    public final dev.nalloc.api.Heap setDefaultHeap(dev.nalloc.api.Heap heap) {
        Objects.requireNonNull(heap, "heap");
        if (!(heap instanceof AbstractHeap h) || h.allocator() != this) {
            throw new IllegalArgumentException("nalloc: setDefaultHeap: the heap belongs to another allocator");
        }
        LocalHeap local = h.use(); // the owner thread, the heap alive, the allocator open
        dev.nalloc.api.Heap previous = defaultHeap();
        LocalHeap backing = local.tld.defaultHeap();
        local.setDefaultHandle(local == backing ? null : heap);
        engine.threads.setDefault(local);
        return previous;
    }

    @Override
    public final boolean visitAbandonedBlocks(int heapTag, boolean visitAllBlocks, dev.nalloc.api.HeapVisitor visitor) {
        Objects.requireNonNull(visitor, "visitor");
        checkOpen();
        return engine.visitAbandoned(heapTag, visitAllBlocks, visitor, this::visitedAddress);
    }

    // ================================================================== aligned and realloc families

    @Override
    public final long mallocAligned(long size, long alignment) {
        return reallocs().allocate(null, size, alignment, 0, false);
    }

    @Override
    public final long mallocAlignedAt(long size, long alignment, long offset) {
        return reallocs().allocate(null, size, alignment, offset, false);
    }

    @Override
    public final long zallocAligned(long size, long alignment) {
        return reallocs().allocate(null, size, alignment, 0, true);
    }

    @Override
    public final long zallocAlignedAt(long size, long alignment, long offset) {
        return reallocs().allocate(null, size, alignment, offset, true);
    }

    @Override
    public final long callocAligned(long count, long size, long alignment) {
        return reallocs().allocateN(null, count, size, alignment, 0, true);
    }

    @Override
    public final long callocAlignedAt(long count, long size, long alignment, long offset) {
        return reallocs().allocateN(null, count, size, alignment, offset, true);
    }

    @Override
    public final long realloc(long address, long newSize) {
        return reallocs().realloc(null, address, newSize, 1, 0, false, false, "realloc");
    }

    @Override
    public final long reallocf(long address, long newSize) {
        return reallocs().realloc(null, address, newSize, 1, 0, false, true, "reallocf");
    }

    @Override
    public final long reallocn(long address, long count, long size) {
        return reallocs().reallocN(null, address, count, size, 1, 0, false, "realloc");
    }

    @Override
    public final long rezalloc(long address, long newSize) {
        return reallocs().realloc(null, address, newSize, 1, 0, true, false, "rezalloc");
    }

    @Override
    public final long recalloc(long address, long count, long size) {
        return reallocs().reallocN(null, address, count, size, 1, 0, true, "rezalloc");
    }

    @Override
    public final long expand(long address, long newSize) {
        return reallocs().expand(address, newSize);
    }

    @Override
    public final long reallocAligned(long address, long newSize, long alignment) {
        return reallocs().realloc(null, address, newSize, alignment, 0, false, false, "realloc");
    }

    @Override
    public final long reallocAlignedAt(long address, long newSize, long alignment, long offset) {
        return reallocs().realloc(null, address, newSize, alignment, offset, false, false, "realloc");
    }

    @Override
    public final long rezallocAligned(long address, long newSize, long alignment) {
        return reallocs().realloc(null, address, newSize, alignment, 0, true, false, "rezalloc");
    }

    @Override
    public final long rezallocAlignedAt(long address, long newSize, long alignment, long offset) {
        return reallocs().realloc(null, address, newSize, alignment, offset, true, false, "rezalloc");
    }

    @Override
    public final long recallocAligned(long address, long count, long size, long alignment) {
        return reallocs().reallocN(null, address, count, size, alignment, 0, true, "rezalloc");
    }

    @Override
    public final long recallocAlignedAt(long address, long count, long size, long alignment, long offset) {
        return reallocs().reallocN(null, address, count, size, alignment, offset, true, "rezalloc");
    }
}
