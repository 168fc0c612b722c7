package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.ArenaId;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Mode;
import dev.nalloc.core.check.BlockShadow;
import dev.nalloc.core.check.GuardedSampler;
import dev.nalloc.core.check.Patterns;
import dev.nalloc.core.check.RecentFrees;
import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.heap.ThreadData;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.page.PageMode;
import dev.nalloc.core.page.SizeClasses;
import dev.nalloc.core.segment.Layout;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.spi.AllocatorConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The {@link Allocator} of CHECKED and SECURE instances (the mode is fixed when the instance is
 * built, so FAST's {@link NallocAllocator} carries no trace of these checks). It runs on the same
 * engine, whose pages get encoded free lists (see {@link dev.nalloc.core.check.ModePageHooks}),
 * and wraps every allocation and free with the mode's checks:
 *
 * <ul>
 * <li>both modes: a {@link BlockShadow} per page (exact double-free, never-allocated and interior
 * free detection, and no block handed out twice), verified free-list links, guarded sampling;</li>
 * <li>CHECKED: at least 8 bytes of padding with a canary after the requested size, checked
 * byte by byte at free and realloc; fills of fresh ({@code 0xD0}) and freed ({@code 0xDF}) blocks,
 * the freed fill verified when the block is handed out again; {@code usableSize} is the
 * requested size;</li>
 * <li>SECURE: random carving order, guard pages between pages, random arena placement (in the
 * engine).</li>
 * </ul>
 *
 * Every detection goes to the error handler before anything is changed; a corrupted free block is
 * quarantined (never handed out again), so the instance stays consistent whether the handler
 * throws or returns.
 */
final class ModeAllocator implements Allocator {

    /** CHECKED padding: at least this many canary bytes after the requested size. */
    static final long PAD = 8;

    private final NallocAllocator inner;
    private final Engine engine;
    private final Reporter reporter;
    private final boolean checked;
    private final Patterns patterns;
    private final GuardedSampler sampler;
    private final long osPageSize;
    /** Recent frees of blocks whose page goes away with them (large and huge): their double frees find no page. */
    private final RecentFrees recentFrees = new RecentFrees();

    ModeAllocator(AllocatorConfig config) {
        this.inner = new NallocAllocator(config);
        this.engine = inner.engine();
        this.reporter = engine.reporter;
        this.checked = config.mode() == Mode.CHECKED;
        this.patterns = new Patterns(engine.secret);
        this.sampler = GuardedSampler.of(config.options(), engine.secret);
        this.osPageSize = engine.os.pageSize();
    }

    // ================================================================== checks

    private void checkOpen() {
        inner.checkOpen();
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

    private LocalHeap localHeap() {
        checkOpen();
        return inner.localHeap();
    }

    /** The bytes to ask the engine for, for {@code size} requested bytes. */
    private long request(long size) {
        return checked ? Math.max(size + PAD, 16) : size;
    }

    // ================================================================== allocation

    /**
     * Allocates {@code size} bytes in {@code heap} at an address {@code a} with
     * {@code (a + offset) % alignment == 0} (alignment 1: any word-aligned block).
     */
    long allocate(LocalHeap heap, long size, long alignment, long offset, boolean zero) {
        // Small and free of rare branches, so that it inlines into malloc and friends (with the
        // constant alignment, offset and zero folded away); every rare case is a call.
        if (size < 0 || offset < 0 || alignment <= 0 || (alignment & (alignment - 1)) != 0 || size > Layout.MAX_ALLOC_SIZE) {
            return badRequest(size, alignment, offset);
        }
        if (sampler != null && sampled(size, alignment)) {
            return allocateGuarded(heap, size, zero);
        }
        long request = request(size);
        boolean plain = alignment <= SizeClasses.WORD && (offset & (alignment - 1)) == 0;
        while (true) {
            long address;
            Page page;
            if (plain && request <= SizeClasses.SMALL_SIZE_MAX) {
                page = heap.directPage(request);
                address = page.free;
                if (address != 0) {
                    page.free = page.popNext(address);
                    page.used++;
                } else {
                    address = heap.mallocEncoded(request, false);
                    if (address == 0) {
                        return 0;
                    }
                    page = pageOf(address);
                }
            } else {
                address = allocateOther(heap, request, alignment, offset, plain);
                if (address == 0) {
                    return 0;
                }
                page = pageOf(address);
            }
            long block = page.blockStartOf(address);
            if (claim(page, block, address, size, page.start + page.areaSize(), false)) {
                if (zero) {
                    zeroUsable(page, block, address, size);
                }
                return address;
            }
            // the block was found corrupted and is quarantined: take another
        }
    }

    /** Whether this request (of a plain or small alignment) gets a guard page (guarded sampling). */
    private boolean sampled(long size, long alignment) {
        return (alignment == 1 || (alignment <= 16 && !sampler.precise())) && sampler.sample(size);
    }

    /** A medium, large, huge or aligned block from the engine. */
    private long allocateOther(LocalHeap heap, long request, long alignment, long offset, boolean plain) {
        return plain ? inner.mallocIn(heap, request) : inner.alignedIn(heap, request, alignment, offset, false);
    }

    /** Zeroes all of the usable size of a block just handed out. */
    private void zeroUsable(Page page, long block, long address, long size) {
        Mem.zero(address, checked ? size : block + page.blockSize - address);
    }

    /** A request {@link #allocate} refuses: throws for a negative or a bad argument, else reports it too large. */
    private long badRequest(long size, long alignment, long offset) {
        checkSize(size, "size");
        checkSize(offset, "offset");
        checkAlignment(alignment);
        reporter.report(ErrorKind.OUT_OF_MEMORY, 0, "request of " + size + " bytes is too large");
        return 0;
    }

    private static Page pageOf(long address) {
        return SegmentMap.lookup(address).pageOf(address);
    }

    /**
     * Hands out the block at {@code block} (just taken from the engine) at {@code address} for
     * {@code size} bytes, after checking it was really free: false (after reporting) when it was
     * corrupted while free.
     */
    private boolean claim(Page page, long block, long address, long size, long canaryLimit, boolean guarded) {
        int index = (int) page.blockIndexOf(block);
        BlockShadow shadow = BlockShadow.of(page);
        long state = shadow.state(index);
        if (page.mode().brokenLink != 0 || BlockShadow.isLive(state) || state == BlockShadow.QUARANTINED) {
            return refuse(page, block, index, shadow, state, -1);
        }
        if (checked) {
            if (BlockShadow.isFreed(state)) {
                long bad = Patterns.checkFreedAndFillFresh(block, page.blockSize); // fills it fresh when intact
                if (bad >= 0) {
                    return refuse(page, block, index, shadow, state, bad);
                }
            } else {
                Patterns.fillFresh(block, page.blockSize);
            }
        }
        shadow.markLive(index, address - block, address + size - block, guarded);
        if (checked) {
            patterns.writeCanary(address + size, Math.min(canaryLimit, block + page.blockSize));
        }
        if (page.reserved == 1) {
            recentFrees.remove(address);
        }
        return true;
    }

    /**
     * Reports why a block the free list handed out cannot be handed out (a broken link, a live or
     * quarantined block, or CHECKED's freed fill broken at offset {@code badFill}) and quarantines
     * it unless it is live: false, for {@link #claim}.
     */
    private boolean refuse(Page page, long block, int index, BlockShadow shadow, long state, long badFill) {
        String problem;
        PageMode mode = page.mode();
        if (mode.brokenLink != 0) {
            problem = "the link of the free block at " + Reporter.hex(mode.brokenLink) + " (blocks of " + page.blockSize
                    + " bytes) was overwritten after it was freed; the rest of the page's free list is dropped";
            mode.brokenLink = 0;
        } else if (BlockShadow.isLive(state)) {
            problem = "the free list handed out the block at " + Reporter.hex(block) + " (" + page.blockSize
                    + " bytes), which is live";
        } else if (state == BlockShadow.QUARANTINED) {
            problem = "the free list handed out the quarantined block at " + Reporter.hex(block);
        } else {
            problem = "the block at " + Reporter.hex(block) + " (" + page.blockSize + " bytes) was written at offset "
                    + badFill + " after it was freed (use after free)";
        }
        if (!BlockShadow.isLive(state)) {
            shadow.quarantine(index); // stays counted as used: never handed out again
        }
        reporter.report(ErrorKind.FREE_LIST_CORRUPTION, block, problem);
        return false;
    }

    /** A block with a guard page right after its {@code size} bytes (guarded sampling). */
    private long allocateGuarded(LocalHeap heap, long size, boolean zero) {
        long span = sampler.span(size);
        long toGuard = Layout.alignUp(span, osPageSize);
        while (true) {
            long area = inner.alignedIn(heap, toGuard + osPageSize, osPageSize, 0, false);
            if (area == 0) {
                return 0;
            }
            Page page = pageOf(area);
            long block = page.blockStartOf(area);
            long guard = area + toGuard;
            long address = guard - span;
            if (!claim(page, block, address, size, guard, true)) {
                continue;
            }
            if (!engine.os.protect(guard, osPageSize, true)) { // reported; the block stays usable, unguarded
                int index = (int) page.blockIndexOf(block);
                BlockShadow.of(page).markLive(index, address - block, address + size - block, false);
            }
            if (zero) {
                Mem.zero(address, checked ? size : span);
            }
            return address;
        }
    }

    /**
     * Allocates through the heap the calling thread uses now: its own, or a shared one the
     * {@link dev.nalloc.spi.HeapSelectionPolicy} assigns, held for this one call.
     */
    private long allocateHere(long size, long alignment, long offset, boolean zero) {
        LocalHeap h = inner.heap0();
        try {
            return allocate(h, size, alignment, offset, zero);
        } finally {
            inner.done(h);
        }
    }

    @Override
    public long malloc(long size) {
        return allocateHere(size, 1, 0, false);
    }

    @Override
    public long zalloc(long size) {
        return allocateHere(size, 1, 0, true);
    }

    @Override
    public long calloc(long count, long size) {
        checkOpen();
        long total = product(count, size);
        return total < 0 ? 0 : allocateHere(total, 1, 0, true);
    }

    @Override
    public long mallocn(long count, long size) {
        checkOpen();
        long total = product(count, size);
        return total < 0 ? 0 : allocateHere(total, 1, 0, false);
    }

    /** {@code count * size}, or -1 on overflow. */
    static long product(long count, long size) {
        checkSize(count, "count");
        checkSize(size, "size");
        long hi = Math.multiplyHigh(count, size);
        long lo = count * size;
        return hi != 0 || lo < 0 ? -1 : lo;
    }

    @Override
    public long mallocAligned(long size, long alignment) {
        return allocateHere(size, alignment, 0, false);
    }

    @Override
    public long mallocAlignedAt(long size, long alignment, long offset) {
        return allocateHere(size, alignment, offset, false);
    }

    @Override
    public long zallocAligned(long size, long alignment) {
        return allocateHere(size, alignment, 0, true);
    }

    // ================================================================== locating blocks

    /**
     * A live block found from a user address: its page, block start, index and shadow state. Made
     * only on the checked paths (the allocation is cheap and usually scalar-replaced).
     */
    private record Live(Page page, long block, int index, long state, BlockShadow shadow) {
        long size() {
            return shadow.size(state);
        }

        long end() {
            return block + shadow.end(state);
        }

        boolean guarded() {
            return BlockShadow.isGuarded(state);
        }
    }

    /**
     * The live block {@code address} was handed out as, or null after reporting why it is not one
     * ({@code op} names the operation in messages).
     */
    private Live live(long address, String op) {
        Segment seg = SegmentMap.lookup(address);
        if (seg == null || seg.allocator != engine) {
            checkOpen();
            if (recentFrees.contains(address)) {
                reporter.report(ErrorKind.DOUBLE_FREE, address, "the block at " + Reporter.hex(address) + " was freed already (" + op + ")");
            } else {
                reporter.report(ErrorKind.INVALID_FREE, address, Reporter.hex(address) + " is not a block of this allocator (" + op + ")");
            }
            return null;
        }
        Page page = seg.pageOf(address);
        if (page == null || !page.inUse || !page.holds(address)) {
            if (recentFrees.contains(address)) {
                reporter.report(ErrorKind.DOUBLE_FREE, address, "the block at " + Reporter.hex(address) + " was freed already (" + op + ")");
            } else {
                reporter.report(ErrorKind.INVALID_FREE, address, Reporter.hex(address) + " lies in free memory of this allocator ("
                        + op + ")");
            }
            return null;
        }
        long index = page.blockIndexOf(address);
        long block = page.start + index * page.blockSize;
        BlockShadow shadow = BlockShadow.peek(page);
        long state = shadow == null || index >= page.capacity ? BlockShadow.NEVER : shadow.state((int) index);
        if (BlockShadow.isLive(state)) {
            long user = block + shadow.adjust(state);
            if (user == address) {
                return new Live(page, block, (int) index, state, shadow);
            }
            reporter.report(ErrorKind.UNALIGNED_FREE, address, Reporter.hex(address) + " is inside the block at " + Reporter.hex(user)
                    + " of " + shadow.size(state) + " bytes, not at its start (" + op + ")");
        } else if (BlockShadow.isFreed(state) && block + shadow.freedAdjust(state) == address) {
            reporter.report(ErrorKind.DOUBLE_FREE, address, "the block at " + Reporter.hex(address) + " was freed already ("
                    + op + ")");
        } else if (state == BlockShadow.QUARANTINED) {
            reporter.report(ErrorKind.DOUBLE_FREE, address, "the block at " + Reporter.hex(address)
                    + " was freed already and then found corrupted (" + op + ")");
        } else if (BlockShadow.isFreed(state)) {
            reporter.report(ErrorKind.INVALID_FREE, address, Reporter.hex(address) + " lies in the free block at "
                    + Reporter.hex(block) + " (" + op + ")");
        } else {
            reporter.report(ErrorKind.INVALID_FREE, address, Reporter.hex(address) + " lies in a block that was never allocated ("
                    + op + ")");
        }
        return null;
    }

    /** CHECKED: reports a broken canary after a live block; true when it is intact. */
    private boolean canaryIntact(Live b, long address) {
        if (!checked) {
            return true;
        }
        long bad = patterns.firstBadCanary(address + b.size(), canaryLimit(b, address));
        if (bad < 0) {
            return true;
        }
        reporter.report(ErrorKind.BUFFER_OVERFLOW, address, "the block at " + Reporter.hex(address) + " of " + b.size()
                + " bytes was written past its end: first bad byte at offset " + (bad - address) + " (" + Reporter.hex(bad) + ")");
        return false;
    }

    // ================================================================== free

    @Override
    public void free(long address) {
        // The common case without an intermediate object: a live, unguarded block of a page of
        // several blocks, freed at its address, with its canary intact. Everything else (and every
        // misuse) goes through freeChecked, which reports.
        Segment seg = SegmentMap.lookup(address);
        if (seg != null && seg.allocator == engine) {
            Page page = seg.pageOf(address);
            if (page != null && page.inUse && page.reserved > 1 && page.holds(address)) {
                int index = (int) page.blockIndexOf(address);
                long block = page.start + index * page.blockSize;
                BlockShadow shadow = BlockShadow.peek(page);
                if (block == address && shadow != null) {
                    long state = shadow.state(index);
                    if (BlockShadow.isLive(state) && !BlockShadow.isGuarded(state) && shadow.adjust(state) == 0
                            && (!checked || patterns.firstBadCanary(address + shadow.size(state), block + page.blockSize) < 0)
                            && shadow.markFreed(index, state)) {
                        push(page, block);
                        return;
                    }
                }
            }
        }
        freeChecked(address);
    }

    private void freeChecked(long address) {
        if (address == 0) {
            checkOpen();
            return;
        }
        Live b = live(address, "free");
        if (b != null) {
            canaryIntact(b, address); // an overflow is reported; if the handler returns, the block is still freed
            release(b, address);
        }
    }

    /** Frees a live block that passed the checks. */
    private void release(Live b, long address) {
        Page page = b.page;
        if (b.guarded()) {
            long guard = address + (sampler != null ? sampler.span(b.size()) : b.size());
            engine.os.protect(guard, osPageSize, false);
        }
        if (!b.shadow.markFreed(b.index, b.state)) {
            reporter.report(ErrorKind.DOUBLE_FREE, address, "the block at " + Reporter.hex(address)
                    + " was freed already (by another thread at the same time)");
            return;
        }
        Thread current = Thread.currentThread();
        if (page.reserved == 1) {
            recentFrees.add(address);
        }
        if (page.kind == PageKind.HUGE) {
            LocalHeap owner = page.heap();
            if (owner != null && owner.owner() == current) {
                owner.freeHugeLocal(page);
            } else if (page.claimHugeRelease()) {
                engine.segments.release(page.segment);
            }
            return;
        }
        push(page, b.block);
    }

    /** Puts a block that was just marked freed on its page's lists (CHECKED: after the freed fill). */
    private void push(Page page, long block) {
        if (checked) {
            Patterns.fillFreed(block, page.blockSize);
        }
        if (page.segment.ownerThread == Thread.currentThread()) {
            LocalHeap.freeLocalEncoded(page, block);
        } else {
            engine.currentThreadData().counters.countRemoteFree(page.bin);
            page.freeRemoteEncoded(block);
        }
    }

    @Override
    public long usableSize(long address) {
        checkOpen();
        if (address == 0) {
            return 0;
        }
        Live b = live(address, "usableSize");
        return b == null ? 0 : usable(b, address);
    }

    /** CHECKED: the requested size; SECURE: up to the block's end (or its guard page). */
    private long usable(Live b, long address) {
        if (checked) {
            return b.size();
        }
        if (b.guarded()) {
            return sampler != null ? sampler.span(b.size()) : b.size();
        }
        return b.block + b.page.blockSize - address;
    }

    // ================================================================== realloc family

    @Override
    public long realloc(long address, long newSize) {
        LocalHeap h = inner.heap0();
        try {
            return reallocIn(h, address, newSize);
        } finally {
            inner.done(h);
        }
    }

    long reallocIn(LocalHeap heap, long address, long newSize) {
        checkSize(newSize, "size");
        if (address == 0) {
            return allocate(heap, newSize, 1, 0, false);
        }
        return move(heap, address, newSize, 1);
    }

    /** Realloc with the checks: in place when the block has room and little is wasted, else a copy. */
    private long move(LocalHeap heap, long address, long newSize, long alignment) {
        Live b = live(address, "realloc");
        if (b == null) {
            return 0;
        }
        canaryIntact(b, address);
        long size = b.size();
        // In place when it fits and wastes at most half of the room (FAST's rule; the room is the usable size in SECURE).
        long room = b.block + b.page.blockSize - address - (checked ? PAD : 0);
        if (!b.guarded() && newSize <= room && newSize >= room / 2 && newSize > 0 && (address & (alignment - 1)) == 0
                && b.page.segment.ownerThread == Thread.currentThread()) {
            resize(b, address, newSize);
            return address;
        }
        long fresh = allocate(heap, newSize, alignment, 0, false);
        if (fresh == 0) {
            return 0;
        }
        Mem.copy(address, fresh, Math.min(size, newSize));
        release(b, address);
        return fresh;
    }

    private void resize(Live b, long address, long newSize) {
        b.shadow.resize(b.index, b.state, address + newSize - b.block);
        if (checked) {
            patterns.writeCanary(address + newSize, b.block + b.page.blockSize);
        }
    }

    @Override
    public long reallocf(long address, long newSize) {
        checkOpen();
        long fresh = realloc(address, newSize);
        if (fresh == 0 && address != 0 && isInHeapRegion(address)) {
            Live b = live(address, "reallocf");
            if (b != null) {
                release(b, address);
            }
        }
        return fresh;
    }

    @Override
    public long expand(long address, long newSize) {
        checkOpen();
        checkSize(newSize, "size");
        if (address == 0) {
            return 0;
        }
        Live b = live(address, "expand");
        if (b == null) {
            return 0;
        }
        return newSize <= usable(b, address) ? address : 0; // as mimalloc: never beyond the usable size
    }

    @Override
    public long reallocAligned(long address, long newSize, long alignment) {
        checkOpen();
        checkSize(newSize, "size");
        checkAlignment(alignment);
        LocalHeap h = inner.heap0();
        try {
            return address == 0 ? allocate(h, newSize, alignment, 0, false) : move(h, address, newSize, alignment);
        } finally {
            inner.done(h);
        }
    }

    @Override
    public long goodSize(long size) {
        checkOpen();
        checkSize(size, "size");
        if (checked) {
            return size; // usableSize is the requested size
        }
        return inner.goodSize(size);
    }

    @Override
    public boolean isInHeapRegion(long address) {
        return inner.isInHeapRegion(address);
    }

    // ================================================================== heaps, segments, arenas

    @Override
    public Heap heap() {
        ThreadData tld = localHeap().tld;
        if (tld.handle == null) {
            tld.handle = new ModeHeap(this, new NallocHeap(inner, tld.defaultHeap()));
        }
        return (Heap) tld.handle;
    }

    @Override
    public Heap newHeap() {
        return new ModeHeap(this, new NallocHeap(inner, LocalHeap.newHeap(localHeap().tld)));
    }

    @Override
    @SuppressWarnings("restricted") // the engine's module runs with native access (see module-info)
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        long address = allocateHere(byteSize, byteAlignment, 0, true);
        if (address == 0) {
            throw new OutOfMemoryError("nalloc: out of memory allocating " + byteSize + " bytes");
        }
        return MemorySegment.ofAddress(address).reinterpret(byteSize);
    }

    @Override
    public void free(MemorySegment segment) {
        checkOpen();
        if (!segment.isNative()) {
            reporter.report(ErrorKind.INVALID_FREE, 0, "0x0 is not a native segment");
            return;
        }
        free(segment.address());
    }

    @Override
    public Arena newArena() {
        return new ModeArena(this, LocalHeap.newHeap(localHeap().tld));
    }

    /**
     * Destroys a heap (all its blocks at once). First the guard pages of its sampled blocks are
     * lifted, so their memory can serve as ordinary blocks again, and in CHECKED mode the canary of
     * every live block is checked (an arena's blocks are never freed one by one): overflows are
     * reported once the heap is gone.
     */
    void destroy(LocalHeap heap) {
        java.util.List<Live> overflowed = new java.util.ArrayList<>();
        heap.forEachPage(page -> {
            BlockShadow shadow = BlockShadow.peek(page);
            if (shadow == null) {
                return;
            }
            shadow.forEachLive((index, state) -> {
                long block = page.start + index * page.blockSize;
                long address = block + shadow.adjust(state);
                Live b = new Live(page, block, index, state, shadow);
                if (b.guarded()) {
                    engine.os.protect(address + (sampler != null ? sampler.span(b.size()) : b.size()), osPageSize, false);
                }
                if (checked && patterns.firstBadCanary(address + b.size(), canaryLimit(b, address)) >= 0) {
                    overflowed.add(b);
                }
            });
        });
        heap.destroy();
        for (Live b : overflowed) { // reported after the heap is gone: a throwing handler leaves nothing half done
            canaryIntact(b, b.block + b.shadow.adjust(b.state));
        }
    }

    private long canaryLimit(Live b, long address) {
        return b.guarded() ? address + (sampler != null ? sampler.span(b.size()) : b.size()) : b.block + b.page.blockSize;
    }

    @Override
    public ArenaId reserveOsMemory(long size, boolean commit, boolean exclusive) {
        return inner.reserveOsMemory(size, commit, exclusive);
    }

    @Override
    public ArenaId manageOsMemory(long address, long size, boolean committed, boolean zero, boolean exclusive,
                                  int numaNode) {
        return inner.manageOsMemory(address, size, committed, zero, exclusive, numaNode);
    }

    @Override
    public Heap newHeapInArena(ArenaId arena) {
        return new ModeHeap(this, (NallocHeap) inner.newHeapInArena(arena));
    }

    @Override
    public void collect(boolean force) {
        inner.collect(force);
        if (checked) {
            for (LocalHeap h : localHeap().tld.heaps()) {
                h.forEachPage(this::assertPage);
            }
        }
    }

    /**
     * CHECKED's internal assertions (mimalloc's {@code mi_assert_internal} on collect): the owner's
     * lists of a page hold exactly its blocks that are neither live nor remotely freed
     * ({@code |free| + |localFree| == capacity - used}, which holds while other threads free into the
     * page), and no block on them is live in the shadow. A failure is reported as {@code ASSERTION}.
     */
    private void assertPage(Page page) {
        if (page.kind == PageKind.HUGE && page.isHugeReleased()) {
            return;
        }
        String problem = null;
        try {
            int lists = page.listLength(page.free) + page.listLength(page.localFree);
            if (lists != page.capacity - page.used) {
                problem = "the free lists of the page at " + Reporter.hex(page.start) + " hold " + lists
                        + " blocks, expected capacity " + page.capacity + " - used " + page.used;
            } else {
                BlockShadow shadow = BlockShadow.peek(page);
                for (long head : new long[]{page.free, page.localFree}) {
                    for (long b = head; b != 0 && shadow != null && problem == null; b = page.nextFree(b)) {
                        if (BlockShadow.isLive(shadow.state((int) page.blockIndexOf(b)))) {
                            problem = "the live block at " + Reporter.hex(b) + " is on a free list of its page";
                        }
                    }
                }
            }
        } catch (RuntimeException e) { // a broken list (IllegalStateException or FreeListCorruption)
            problem = e.getMessage();
        }
        if (problem != null) {
            reporter.report(ErrorKind.ASSERTION, page.start, problem);
        }
    }

    @Override
    public void threadDone() {
        inner.threadDone();
    }

    @Override
    public AllocatorStats stats() {
        return inner.stats();
    }

    @Override
    public Mode mode() {
        return inner.mode();
    }

    @Override
    public void close() {
        inner.close();
    }

    Engine engine() {
        return engine;
    }

    /** The calling thread's default heap (tests check its invariants). */
    LocalHeap defaultLocalHeap() {
        return localHeap();
    }

    void checkUsable() {
        checkOpen();
    }

    @Override
    public String toString() {
        return inner.toString().replace("Nalloc[", "Nalloc[" + mode() + " ");
    }
}
