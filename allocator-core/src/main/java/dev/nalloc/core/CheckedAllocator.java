package dev.nalloc.core;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.core.check.BlockShadow;
import dev.nalloc.core.check.Patterns;
import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.heap.BlockFree;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.page.PageMode;
import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.spi.AllocatorConfig;

/**
 * The {@link dev.nalloc.api.Allocator} of CHECKED instances (mimalloc's debug build). Every
 * allocation and free is checked against a {@link BlockShadow} per page, which makes detection
 * exact: double, interior and never-allocated frees, and no block handed out twice, whatever the
 * threads do. On top of the encoded, verified links all modes have:
 *
 * <ul>
 * <li>at least 8 bytes of padding with a canary after the requested size, checked byte by byte
 * at free and realloc;</li>
 * <li>fills of fresh ({@code 0xD0}) and freed ({@code 0xDF}) blocks, the freed fill verified
 * when the block is handed out again (a use-after-free write is found there);</li>
 * <li>{@code usableSize} is the requested size; {@code collect} checks the pages' lists.</li>
 * </ul>
 *
 * Every detection goes to the error handler before anything is changed; a corrupted free block is
 * quarantined (never handed out again), so the instance stays consistent whether the handler
 * throws or returns.
 */
final class CheckedAllocator extends ModeAllocator {

    /** Padding: at least this many canary bytes after the requested size. */
    static final long PAD = 8;

    private final Patterns patterns;

    CheckedAllocator(AllocatorConfig config) {
        super(config);
        this.patterns = new Patterns(engine.secret);
    }

    /** The bytes to ask the engine for, for {@code size} requested bytes. */
    private static long request(long size) {
        return Math.max(size + PAD, 16);
    }

    // ================================================================== allocation

    @Override
    long allocate(LocalHeap heap, long size, long alignment, long offset, boolean zero) {
        // Small and free of rare branches, so that it inlines into malloc and friends (with the
        // constant alignment, offset and zero folded away); every rare case is a call (CheckedInliningTest).
        if (!goodRequest(size, alignment, offset)) {
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
                address = page.freeHead();
                if (address != 0) {
                    page.setFreeHead(page.popNext(address));
                    page.incrementUsed();
                } else {
                    address = heap.mallocEncoded(request, false);
                    if (address == 0) {
                        return 0;
                    }
                    page = pageOf(address);
                }
            } else {
                address = allocateOther(heap, request, alignment, offset, plain); // zeroed by claim
                if (address == 0) {
                    return 0;
                }
                page = pageOf(address);
            }
            long block = page.blockStartOf(address);
            try {
                if (claim(page, block, address, size, page.areaStart() + page.areaSize(), false, zero)) {
                    return address;
                }
            } catch (BlockShadow.NoJavaHeap e) {
                return noJavaHeap(page, block); // reported, the block given back: 0
            }
            // the block was found corrupted and is quarantined: take another
        }
    }

    /**
     * Hands out the block at {@code block} (just taken from the engine) at {@code address} for
     * {@code size} bytes, after checking it was really free: false (after reporting) when it was
     * corrupted while free. A block that was freed before has its freed fill checked (a write after
     * the free is found here); then it is filled fresh, or with {@code zero} its {@code size} bytes
     * are zeroed, except when it was never handed out from a page whose free blocks read as zero
     * (fresh or purged OS memory): such a block is left as it is, so that a huge zeroed request
     * writes only its canary, as FAST writes nothing.
     *
     * @throws BlockShadow.NoJavaHeap when the Java heap has no room for the block's state (nothing
     *         changed: the caller gives the block back and reports)
     */
    private boolean claim(Page page, long block, long address, long size, long canaryLimit, boolean guarded, boolean zero) {
        int index = (int) page.blockIndexOf(block);
        BlockShadow shadow = BlockShadow.of(page);
        long[] entries = shadow.covering(index);
        long state = BlockShadow.getAcquireCoveredState(entries, index);
        if (page.mode().brokenLink() != 0 || BlockShadow.isLive(state) || state == BlockShadow.QUARANTINED) {
            return refuse(page, block, index, shadow, state, -1);
        }
        if (zero) {
            if (!claimZeroed(page, block, address, size, index, shadow, state)) {
                return false;
            }
        } else if (BlockShadow.isFreed(state)) {
            long bad = Patterns.checkFreedAndFillFresh(block, page.blockSize()); // fills it fresh when intact
            if (bad >= 0) {
                return refuse(page, block, index, shadow, state, bad);
            }
        } else {
            Patterns.fillFresh(block, page.blockSize());
        }
        shadow.setReleaseLiveIn(entries, index, address - block, address + size - block, guarded);
        patterns.writeCanary(address + size, Math.min(canaryLimit, block + page.blockSize()));
        if (page.reserved() == 1) {
            recentFrees.remove(address);
        }
        return true;
    }

    /**
     * The Java heap had no room for the block states of the page (CHECKED keeps 8 bytes of Java
     * memory per block handed out, see docs/modes.md): the block goes back to its page untouched
     * and the allocation fails, reported as out of memory naming the Java heap.
     */
    private long noJavaHeap(Page page, long block) {
        if (page.kind() == PageKind.HUGE) {
            frees.freeHuge(page);
        } else {
            BlockFree.local(page, block);
        }
        reporter.reportJavaHeapExhausted(0, JAVA_HEAP_EXHAUSTED);
        return 0;
    }

    /** The whole message, made once: there is no Java heap to build it when it is needed. */
    static final String JAVA_HEAP_EXHAUSTED = ErrorKind.OUT_OF_MEMORY.message("the Java heap is exhausted: CHECKED keeps the "
            + "state of every block in Java memory (8 bytes per block handed out; see docs/modes.md); raise -Xmx, or use "
            + "SECURE, which keeps none");

    /**
     * {@link #claim} of a zeroed block: the freed fill of a block freed before is checked (then its
     * requested bytes are zeroed); a block never handed out is zeroed unless the page's free blocks
     * are known to read as zero ({@link Page#freeIsZero()}, read after the pop: the list the block
     * came from). False after reporting a broken freed fill.
     */
    private boolean claimZeroed(Page page, long block, long address, long size, int index, BlockShadow shadow, long state) {
        if (BlockShadow.isFreed(state)) {
            long bad = Patterns.firstNotFreed(block, page.blockSize());
            if (bad >= 0) {
                return refuse(page, block, index, shadow, state, bad);
            }
        } else if (page.freeIsZero()) {
            return true;
        }
        Mem.zero(address, size);
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
        if (mode.brokenLink() != 0) {
            problem = brokenLinkProblem(mode.takeBrokenLink(), page.blockSize());
        } else if (BlockShadow.isLive(state)) {
            problem = "the free list handed out the block at " + Reporter.hex(block) + " (" + page.blockSize()
                    + " bytes), which is live";
        } else if (state == BlockShadow.QUARANTINED) {
            problem = "the free list handed out the quarantined block at " + Reporter.hex(block);
        } else {
            problem = "the block at " + Reporter.hex(block) + " (" + page.blockSize() + " bytes) was written at offset "
                    + badFill + " after it was freed (use after free)";
        }
        if (!BlockShadow.isLive(state)) {
            shadow.setReleaseQuarantined(index); // stays counted as used: never handed out again
        }
        reportCorrupted(block, problem);
        return false;
    }

    @Override
    int claimGuarded(Page page, long block, long address, long size, long guard, boolean zero) {
        try {
            return claim(page, block, address, size, guard, true, zero) ? 1 : 0;
        } catch (BlockShadow.NoJavaHeap e) {
            noJavaHeap(page, block);
            return -1;
        }
    }

    @Override
    void guardFailed(Page page, long block, long address, long size, long guard) {
        int index = (int) page.blockIndexOf(block);
        BlockShadow.of(page).setReleaseLive(index, address - block, address + size - block, false);
        // The canary stopped at the guard's place; an unguarded block's free checks it up to the block's end.
        patterns.writeCanary(address + size, block + page.blockSize());
    }

    @Override
    long visitedAddress(long block) {
        return visitedAddress(pageOf(block), block);
    }

    @Override
    long visitedAddress(Page page, long block) {
        BlockShadow shadow = BlockShadow.peek(page);
        long state = shadow == null ? BlockShadow.NEVER : shadow.getAcquireState((int) page.blockIndexOf(block));
        return BlockShadow.isLive(state) ? block + shadow.adjust(state) : 0; // quarantined, or dropped with a broken list
    }

    @Override
    boolean isGuarded(long address) {
        Page page = pageOf(address);
        return BlockShadow.isGuarded(BlockShadow.peek(page).getAcquireSettledState((int) page.blockIndexOf(address)));
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
        Page page = livePage(address, op);
        if (page == null) {
            return null;
        }
        long index = page.blockIndexOf(address);
        long block = page.areaStart() + index * page.blockSize();
        BlockShadow shadow = BlockShadow.peek(page);
        long state = shadow == null || index >= page.capacity() ? BlockShadow.NEVER : shadow.getAcquireSettledState((int) index);
        if (BlockShadow.isLive(state)) {
            long user = block + shadow.adjust(state);
            if (user == address) {
                return new Live(page, block, (int) index, state, shadow);
            }
            reportUnaligned(address, user, shadow.size(state), op);
        } else if (BlockShadow.isFreed(state) && block + shadow.freedAdjust(state) == address) {
            reportDoubleFree(address, op);
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

    /** Reports a broken canary after a live block; true when it is intact. */
    private boolean canaryIntact(Live b, long address) {
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
        // misuse) goes through freeChecked, which reports. The page: from the slot's cache of the
        // segment of this thread's last free, else through the segment map.
        Page page = lastFreePage(address); // the cached segment's page at the address's slice, in any segment
        if (page == null || !page.holds(address)) {
            Segment seg = SegmentMap.lookup(address);
            page = seg != null && seg.allocator == engine ? Page.of(seg, address) : null;
            if (page != null && !page.holds(address)) {
                page = null;
            }
        }
        if (page != null && page.inUse() && page.reserved() > 1) {
            int index = (int) page.blockIndexOf(address);
            long block = page.areaStart() + index * page.blockSize();
            BlockShadow shadow = BlockShadow.peek(page);
            if (block == address && shadow != null) {
                long[] entries = shadow.getPlainEntries();
                long state = BlockShadow.getAcquireStateIn(entries, index);
                if (BlockShadow.isLive(state) && !BlockShadow.isGuarded(state) && shadow.adjust(state) == 0
                        && patterns.firstBadCanary(address + shadow.size(state), block + page.blockSize()) < 0
                        && shadow.casFreedIn(entries, index, state)) {
                    push(page, block);
                    return;
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
        if (!b.shadow.casFreed(b.index, b.state)) {
            reporter.report(ErrorKind.DOUBLE_FREE, address, "the block at " + Reporter.hex(address)
                    + " was freed already (by another thread at the same time)");
            return;
        }
        if (b.guarded() && !liftOrWithhold(page, b.block, address + (sampler != null ? sampler.span(b.size()) : b.size()))) {
            return; // freed in the shadow, kept out of use until its guard lifts
        }
        if (page.reserved() == 1) {
            recentFrees.add(address);
        }
        if (page.kind() == PageKind.HUGE) {
            frees.freeHuge(page);
            return;
        }
        push(page, b.block);
        reporter.flush(); // a guard page that would not come off (guarded blocks): the free is complete
    }

    /** Puts a block that was just marked freed on its page's lists, after the freed fill. */
    private void push(Page page, long block) {
        if (page.isSealed()) { // its heap was destroyed since the checks: no fill over the emptied page (Page.seal)
            frees.freeIntoDestroyedHeap(block);
            return;
        }
        Patterns.fillFreed(block, page.blockSize());
        pushFreed(page, block); // false only for a block pushed twice, which the shadow rules out
    }

    @Override
    public long usableSize(long address) {
        checkOpen();
        if (address == 0) {
            return 0;
        }
        Live b = live(address, "usableSize");
        return b == null ? 0 : usable(b);
    }

    /** The requested size. */
    private static long usable(Live b) {
        return b.size();
    }

    @Override
    public long goodSize(long size) {
        checkOpen();
        Args.checkSize(size, "size");
        return size; // usableSize is the requested size
    }

    @Override
    long usable(long address, String op) {
        Live b = live(address, op);
        return b == null ? Reallocs.MISUSE : usable(b);
    }

    /**
     * A re-allocation: the canary is checked (an overflow is reported; if the handler returns, the
     * re-allocation goes on). In place when the new size fits the block's room before the padding
     * under mimalloc's rule on that room (so a block may grow in place: the bytes it gains are
     * zeroed for the zeroing forms, as they held the canary and the fresh fill), on the owner thread
     * and unguarded; then the shadow and the canary move to the new end.
     */
    @Override
    long resize(long address, long newSize, long alignment, long offset, boolean zero, String op) {
        Live b = live(address, op);
        if (b == null) {
            return Reallocs.MISUSE;
        }
        canaryIntact(b, address);
        long size = b.size();
        long room = b.block + b.page.blockSize() - address - PAD;
        if (!b.guarded() && Reallocs.fitsInPlace(address, room, newSize, alignment, offset)
                && isLocal(b.page.segment)) {
            if (zero && newSize > size) {
                Mem.zero(address + size, newSize - size);
            }
            b.shadow.resize(b.index, b.state, address + newSize - b.block);
            patterns.writeCanary(address + newSize, b.block + b.page.blockSize());
            return Reallocs.IN_PLACE;
        }
        return size;
    }

    @Override
    void release(long address, String op) {
        Live b = live(address, op); // found live just now: reports only a free racing with this one
        if (b != null) {
            release(b, address);
        }
    }

    /**
     * Destroys a heap (all its blocks at once). First the guard pages of its sampled blocks are
     * lifted, so their memory can serve as ordinary blocks again, and in CHECKED mode the canary of
     * every live block is checked (an arena's blocks are never freed one by one): overflows are
     * reported once the heap is gone.
     */
    @Override
    void destroy(LocalHeap heap) {
        java.util.List<Live> overflowed = new java.util.ArrayList<>();
        java.util.List<Live> guardedBlocks = new java.util.ArrayList<>();
        heap.forEachPage(page -> {
            BlockShadow shadow = BlockShadow.peek(page);
            if (shadow == null) {
                return;
            }
            shadow.forEachLive((index, state) -> {
                long block = page.areaStart() + index * page.blockSize();
                long address = block + shadow.adjust(state);
                Live b = new Live(page, block, index, state, shadow);
                if (b.guarded()) {
                    guardedBlocks.add(b);
                }
                if (patterns.firstBadCanary(address + b.size(), canaryLimit(b, address)) >= 0) {
                    overflowed.add(b);
                }
            });
        });
        for (Live b : guardedBlocks) { // after the walk: a page whose guard will not lift leaves the heap
            long address = b.block + b.shadow.adjust(b.state);
            liftOrWithholdPage(heap, b.page, address + (sampler != null ? sampler.span(b.size()) : b.size()));
        }
        withholdPages(heap);
        heap.destroy();
        for (Live b : overflowed) { // reported after the heap is gone: a throwing handler leaves nothing half done
            canaryIntact(b, b.block + b.shadow.adjust(b.state));
        }
    }

    private long canaryLimit(Live b, long address) {
        return b.guarded() ? address + (sampler != null ? sampler.span(b.size()) : b.size()) : b.block + b.page.blockSize();
    }

    @Override
    void freeWithheld(Page page, long block) {
        if (page.kind() == PageKind.HUGE) {
            frees.freeHuge(page);
        } else {
            push(page, block);
        }
    }

    @Override
    public void collect(boolean force) {
        super.collect(force);
        try {
            for (LocalHeap h : localHeap().tld.heaps()) {
                h.forEachPage(this::assertPage);
            }
        } catch (OutOfMemoryError e) {
            // the assertions need a little Java heap; the collection itself is done
        }
    }

    /**
     * CHECKED's internal assertions (mimalloc's {@code mi_assert_internal} on collect): the owner's
     * lists of a page hold exactly its blocks that are neither live nor remotely freed
     * ({@code |free| + |localFree| == capacity - used}, which holds while other threads free into the
     * page), and no block on them is live in the shadow. A failure is reported as {@code ASSERTION}.
     */
    private void assertPage(Page page) {
        if (page.kind() == PageKind.HUGE && page.getAcquireHugeReleased()) {
            return;
        }
        String problem = null;
        try {
            int lists = page.listLength(page.freeHead()) + page.listLength(page.localFreeHead());
            if (lists != page.capacity() - page.used()) {
                problem = "the free lists of the page at " + Reporter.hex(page.areaStart()) + " hold " + lists
                        + " blocks, expected capacity " + page.capacity() + " - used " + page.used();
            } else {
                BlockShadow shadow = BlockShadow.peek(page);
                for (long head : new long[]{page.freeHead(), page.localFreeHead()}) {
                    for (long b = head; b != 0 && shadow != null && problem == null; b = page.nextFree(b)) {
                        if (BlockShadow.isLive(shadow.getAcquireState((int) page.blockIndexOf(b)))) {
                            problem = "the live block at " + Reporter.hex(b) + " is on a free list of its page";
                        }
                    }
                }
            }
        } catch (RuntimeException e) { // a broken list (IllegalStateException or FreeListCorruption)
            problem = e.getMessage();
        }
        if (problem != null) {
            reporter.report(ErrorKind.ASSERTION, page.areaStart(), problem);
        }
    }

}
