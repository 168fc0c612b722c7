package dev.nalloc.core.heap;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Heap;
import dev.nalloc.api.HeapArea;
import dev.nalloc.api.HeapVisitor;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.FreeListCorruption;
import dev.nalloc.core.page.FreeLists;
import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageHooks;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.page.PageOwner;
import dev.nalloc.core.page.PageQueues;
import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.core.segment.SegmentSpace;
import dev.nalloc.core.stats.ThreadCounters;

/**
 * A thread-local heap (mimalloc's {@code mi_heap_t}): page queues per size bin, the direct page
 * table for small sizes, and the list of blocks freed by other threads into full pages
 * ({@code threadDelayedFree}). Everything but {@link #pushDelayedFree} (see {@link BlockFree}) runs on the owner thread.
 *
 * <p>The fast path ({@link #mallocSmall}) pops a page's free list; everything else goes through
 * {@link #mallocGeneric}: housekeeping, finding or making a page, moving full pages aside.
 */
public final class LocalHeap extends PageOwner {

    private static final int RETIRE_CYCLES = 16;

    /** {@code direct[wsize]}: the page for requests of {@code wsize} words (up to 128). */
    private final Page[] direct = new Page[SizeClasses.SMALL_WSIZE_MAX + 1];
    private final PageQueues queues = new PageQueues(direct);
    public final ThreadData tld;
    /** Where this heap's pages come from: the thread's space, or one bound to an arena. */
    private final SegmentSpace space;
    final ThreadCounters counters;
    final HeapContext context;
    private final boolean isDefault;
    /** Null in FAST instances; otherwise pages get encoded links and the mode's guards. */
    private final PageHooks hooks;
    private long genericCount;
    /** Generic allocations since the last deferred-free call (mimalloc calls it every 100). */
    private int deferredCount;
    private static final int DEFERRED_FREE_INTERVAL = 100;
    private int retiredMin = SizeClasses.BIN_FULL;
    private int retiredMax;
    private boolean dead;
    /** Links in the thread's list of live heaps. */
    LocalHeap nextInThread;
    LocalHeap prevInThread;
    /** This heap's slot in the thread's heap pool, or -1 (see {@link ThreadData#poolHeap}). */
    int poolSlot = -1;
    /** The heap's tag (mimalloc's {@code heap->tag}): its pages carry it; 0 for untagged heaps. */
    int tag;
    /** The public handle this heap was last made the thread's default through (owner thread), or null. */
    public Heap defaultHandle;
    /** The own slot that served this heap as its thread's default until a switch retired it, or null (owner thread). */
    HeapSlot defaultSlot;
    /**
     * False for a heap that may take over reclaimed pages of its tag (mimalloc's
     * {@code !heap->no_reclaim}); such a heap is never destroyed, nor pooled.
     */
    boolean allowDestroy = true;
    /** Bumped by destroy and delete: handles of an earlier generation see the heap as gone. */
    private int generation;
    /** The heap of an open {@code java.lang.foreign.Arena} (set by the arena; cleared when the heap is reused). */
    public boolean servesArena;

    private LocalHeap(ThreadData tld, boolean isDefault, SegmentSpace space) {
        this.tld = tld;
        this.space = space;
        this.counters = tld.counters;
        this.context = tld.context;
        this.isDefault = isDefault;
        this.hooks = context.pageHooks();
    }

    /** Makes the default heap of a thread. */
    public static LocalHeap newDefault(ThreadData tld) {
        LocalHeap h = new LocalHeap(tld, true, tld.space);
        tld.setDefaultHeap(h);
        tld.addHeap(h);
        tld.context.heapCreated(h);
        return h;
    }

    /**
     * Makes a first-class heap of the thread of {@code tld}, reusing a destroyed one (with its
     * emptied pages) when the thread has one pooled: that keeps short-lived heaps cheap.
     */
    public static LocalHeap newHeap(ThreadData tld) {
        LocalHeap h = tld.takePooledHeap();
        if (h != null) {
            h.dead = false; // pooled heaps stay in the thread's list
            h.servesArena = false;
            h.unsealPages();
            return h;
        }
        h = new LocalHeap(tld, false, tld.space);
        tld.context.heapCreated(h);
        tld.addHeap(h);
        return h;
    }

    /** The pages a destroy sealed ({@link Page#seal}) take remote frees again: the pooled heap is taken. */
    private void unsealPages() {
        for (int w = 0; w < PageQueues.OCCUPIED_WORDS; w++) {
            for (long bits = queues.occupiedWord(w); bits != 0; bits &= bits - 1) {
                for (Page p = queues.first[(w << 6) + Long.numberOfTrailingZeros(bits)]; p != null; p = p.next) {
                    p.unseal();
                }
            }
        }
    }

    /**
     * Makes a first-class heap of the thread of {@code tld} whose pages all come from {@code space}
     * (bound to one arena: mimalloc's {@code mi_heap_new_in_arena}). It is never pooled.
     */
    public static LocalHeap newHeapInSpace(ThreadData tld, SegmentSpace space) {
        LocalHeap h = new LocalHeap(tld, false, space);
        tld.context.heapCreated(h);
        tld.addHeap(h);
        return h;
    }

    /** The space this heap's pages come from. */
    SegmentSpace space() {
        return space;
    }

    /** The direct page table, {@code direct[wsize]} (for the allocator's fast path; never replaced). */
    Page[] directPages() {
        return direct;
    }

    /** The current generation (see {@link #isGone(int)}). */
    public int generation() {
        return generation;
    }

    /** True when the heap a handle of {@code generation} refers to was destroyed or deleted. */
    public boolean isGone(int generation) {
        return dead || this.generation != generation;
    }

    public boolean isDefault() {
        return isDefault;
    }

    /** The heap's tag (0 unless made with one). */
    @Override
    public int tag() {
        return tag;
    }

    /** False when the heap takes over reclaimed pages of its tag and may not be destroyed. */
    public boolean allowsDestroy() {
        return allowDestroy;
    }

    /**
     * Gives a heap just made (owner thread, no block handed out yet; a pooled heap may bring empty
     * pages, which take the tag too) its tag and whether it may be destroyed
     * ({@code mi_heap_new_ex}).
     */
    public void configure(int tag, boolean allowDestroy) {
        this.tag = tag;
        this.allowDestroy = allowDestroy;
        forEachPage(p -> p.tag = tag);
    }

    /**
     * Where the pages of {@code tag} go when this thread takes them over (a reclaimed segment) or
     * when a heap of that tag is deleted: a live heap of the tag that may take them (made with
     * {@code allowDestroy} false, in the thread's own space), other than {@code except}; the default
     * heap for tag 0 and when there is none (mimalloc's {@code _mi_heap_by_tag}).
     */
    static LocalHeap heapForTag(ThreadData tld, int tag, LocalHeap except) {
        if (tag != 0) {
            for (LocalHeap h : tld.heaps()) {
                if (h != except && h.tag == tag && !h.allowDestroy && !h.dead && h.space == tld.space) {
                    return h;
                }
            }
        }
        return tld.defaultHeap();
    }

    /**
     * The thread called {@code threadDone} while arenas were open: this default heap lives on until
     * they close, but the handles to it are dead ({@link #isGone}).
     */
    void retireHandles() {
        generation++;
    }

    /** True after destroy or delete. */
    public boolean isDead() {
        return dead;
    }

    public Thread owner() {
        return tld.thread;
    }

    // ================================================================== allocation

    /** Allocates {@code size <= 1024} bytes: one array load and a free-list pop when a page has room. */
    public long mallocSmall(long size) {
        Page page = direct[(int) ((size + 7) >>> 3)];
        long block = page.free;
        if (block != 0) {
            page.free = Mem.load(block);
            page.used++;
            return block;
        }
        return mallocGeneric(size, false);
    }

    /** Allocates {@code size} bytes ({@code 0 <= size <= Layout.MAX_ALLOC_SIZE}); 0 when out of memory. */
    public long malloc(long size) {
        if (hooks != null) {
            return mallocEncoded(size, false);
        }
        return size <= SizeClasses.SMALL_SIZE_MAX ? mallocSmall(size) : mallocGeneric(size, false);
    }

    /** Allocates {@code size} zeroed bytes; the whole usable block is zeroed. */
    public long zalloc(long size) {
        if (hooks != null) {
            return mallocEncoded(size, true);
        }
        if (size <= SizeClasses.SMALL_SIZE_MAX) {
            Page page = direct[(int) ((size + 7) >>> 3)];
            long block = page.free;
            if (block != 0) {
                page.free = Mem.load(block);
                page.used++;
                zeroBlock(page, block);
                return block;
            }
        }
        return mallocGeneric(size, true);
    }

    /**
     * Allocation in a CHECKED or SECURE instance, whose pages have encoded links (never through
     * {@link #mallocSmall}, which reads plain ones).
     */
    public long mallocEncoded(long size, boolean zero) {
        if (size <= SizeClasses.SMALL_SIZE_MAX) {
            Page page = direct[(int) ((size + 7) >>> 3)];
            long block = page.free;
            if (block != 0) {
                page.free = page.popNext(block);
                page.used++;
                if (zero) {
                    zeroBlock(page, block);
                }
                return block;
            }
        }
        return mallocGeneric(size, zero);
    }

    /** The page small requests of {@code size} bytes are served from (possibly {@link Page#EMPTY}). */
    public Page directPage(long size) {
        return direct[(int) ((size + 7) >>> 3)];
    }

    private static void zeroBlock(Page page, long block) {
        if (page.freeIsZero) {
            Mem.store(block, 0);
        } else {
            Mem.zero(block, page.blockSize);
        }
    }

    /** The slow path (mimalloc's {@code _mi_malloc_generic}). */
    long mallocGeneric(long size, boolean zero) {
        if (++deferredCount >= DEFERRED_FREE_INTERVAL) {
            deferredCount = 0;
            context.deferredFree(tld, false); // first: it may allocate, free, even destroy this heap
        }
        if (dead) {
            throw new IllegalStateException("the heap has been destroyed or deleted");
        }
        counters.genericCalls++;
        counters.genericBytes += size;
        if (++genericCount >= context.genericCollectInterval()) {
            genericCount = 0;
            collect(false);
        }
        BlockFree.freeDelayed(this);
        Page page = findPage(size);
        if (page == null) {
            collect(true);
            page = findPage(size);
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
        long block = page.free;
        page.free = page.popNext(block);
        page.used++;
        if (page == extendedPage) { // carved just now (a batch of fresh blocks): the gauges look at it
            extendedPage = null;
            int accounted = page.accountedBlocks();
            if (accounted != page.seen) {
                counters.blocksChanged(page.blockSize, accounted - page.seen);
                page.seen = accounted;
                if (accounted == page.used && page.blockSize <= SizeClasses.SMALL_SIZE_MAX) {
                    // the fast path takes the rest of this free list unseen
                    counters.exposed += (long) (page.capacity - page.used) * page.blockSize;
                }
                settle();
            }
        }
        if (zero) {
            zeroBlock(page, block);
        }
        return block;
    }

    /** A page with a free block for {@code size}, or null when out of memory. */
    private Page findPage(long size) {
        if (SizeClasses.isHuge(size)) {
            return hugePage(size, 0, 0);
        }
        int bin = SizeClasses.bin(size);
        Page page = pageWithFree(bin);
        if (page != null) {
            return page;
        }
        // As mimalloc (mi_page_queue_find_free_ex): retired pages are looked at only when no page of
        // the bin has a free block. Looked at on every call, they would be freed while a thread
        // still uses them (a page is all free for a moment between a free and the next malloc).
        collectRetired(false);
        return freshPage(bin);
    }

    /** The first page of bin {@code bin} with a free block; pages without one move to the full queue. */
    private Page pageWithFree(int bin) {
        Page page = queues.first[bin];
        while (page != null) {
            Page next = page.next;
            collectPage(page, false);
            if (page.free == 0 && page.canExtend()) {
                extend(page);
            }
            if (page.free != 0) {
                page.retireExpire = 0;
                return page;
            }
            toFull(page);
            page = next;
        }
        return null;
    }

    /**
     * A new page of bin {@code bin}: from the space's free spans, else (for heaps of the thread's own
     * space, not ones bound to an arena) from an abandoned segment, which may bring a page of this
     * bin with free blocks along, else from a new segment.
     */
    private Page freshPage(int bin) {
        long blockSize = SizeClasses.binSize(bin);
        int slices = SizeClasses.pageSlices(blockSize);
        boolean takeKept = hooks == null || hooks.takesKeptGuard(blockSize, slices);
        // With target_segments_per_thread the spare counts as one more segment: taken only after the
        // reclaim search has abandoned segments down to the target.
        Page page = (Page) space.allocateSpan(slices, false, space != tld.space || ForcedAbandon.target(context) == 0, takeKept);
        if (page == null) {
            if (space == tld.space && SegmentReclaim.reclaimForPage(this, slices, blockSize)) {
                Page reclaimed = pageWithFree(bin);
                if (reclaimed != null) {
                    return reclaimed;
                }
                page = (Page) space.allocateSpan(slices, false, true, takeKept);
            }
            if (page == null) {
                page = (Page) space.allocateSpan(slices, true, true, takeKept);
                if (page == null) {
                    return null;
                }
            }
        }
        long keptGuard = page.guardPage(); // before init: a span freed with its guard (SECURE)
        page.init(this, PageKind.of(blockSize), page.segment.sliceAddress(page.sliceIndex),
                (long) slices << Layout.SLICE_SHIFT, blockSize, bin, page.isZeroInit());
        queues.pushFront(bin, page);
        counters.pages++;
        counters.pagesMade++;
        if (hooks != null) {
            hooks.pageCreated(page, keptGuard);
        }
        extend(page);
        return page;
    }

    /**
     * A new huge page for a block of at least {@code size} bytes whose address plus {@code adjust}
     * bytes is aligned to {@code alignment} (0: the segment alignment); null when out of memory.
     */
    public Page hugePage(long size, long alignment, long adjust) {
        sweepReleasedHuge();
        long blockSize = Layout.alignUp(Math.max(1, size + adjust), Layout.SLICE_SIZE);
        Segment seg = context.segments().allocateHuge(null, blockSize, alignment, space.arena());
        if (seg == null) {
            return null;
        }
        Page page = (Page) seg.hugeSpan();
        page.init(this, PageKind.HUGE, seg.base, blockSize, blockSize, SizeClasses.BIN_HUGE, seg.memory.zero());
        queues.pushFront(SizeClasses.BIN_HUGE, page);
        counters.pages++;
        counters.pagesMade++;
        counters.hugeAllocated++; // its one block is taken at once
        counters.hugeBytes += blockSize;
        counters.hugeMade(blockSize);
        settle();
        if (hooks != null) {
            hooks.pageCreated(page, 0);
        }
        page.extend();
        return page;
    }

    /** Pops the one block of a fresh huge page (aligned allocation path). */
    public long takeHugeBlock(Page page, boolean zero) {
        long block = page.free;
        page.free = page.popNext(block);
        page.used++;
        if (zero) {
            zeroBlock(page, block);
        }
        return block;
    }

    /** Drops huge pages whose block another thread freed (their segment is gone). */
    private void sweepReleasedHuge() {
        Page p = queues.first[SizeClasses.BIN_HUGE];
        while (p != null) {
            Page next = p.next;
            if (p.isHugeReleased()) {
                queues.remove(SizeClasses.BIN_HUGE, p);
                counters.pages--;
            }
            p = next;
        }
    }

    // ================================================================== full pages and delayed frees

    /**
     * The page {@link #extend} carved last, until the allocation that follows looks at it for the
     * gauges (peaks): a batch handed out after a collect is not looked at then (see docs/statistics.md).
     */
    private Page extendedPage;

    /** Carves more blocks (counted for statistics). */
    private void extend(Page page) {
        page.extend();
        counters.pagesExtended++;
        extendedPage = page;
    }

    /**
     * Collects a page's frees; a broken list is dropped and reported as free-list corruption. For the
     * per-bin totals, blocks moved onto {@code free} leave {@code used} for good: they are settled
     * (see {@link ThreadCounters#settled}). When {@code free} was empty, or after a forced collect,
     * {@code free} holds all {@code capacity - used} free blocks, so no walk is needed unless forced.
     */
    void collectPage(Page page, boolean force) {
        try {
            boolean wasEmpty = page.free == 0;
            long local = page.localFree;
            long before = wasEmpty || !force || page.kind == PageKind.HUGE ? 0 : FreeLists.length(page, page.free);
            int remote = page.collect(force);
            if (remote != 0) {
                counters.countCollected(remote, page.bin); // the freeing threads already subtracted them
                page.seen -= remote; // from the gauges too
            }
            if ((local != 0 || remote != 0) && (wasEmpty || force) && page.localFree == 0 && page.kind != PageKind.HUGE) {
                counters.settled(page.bin, page.capacity - page.used - before);
            }
        } catch (FreeListCorruption e) {
            context.reporter().report(ErrorKind.FREE_LIST_CORRUPTION, page.start, e.getMessage());
        }
    }

    private void toFull(Page page) {
        if (page.inFull() || page.kind == PageKind.HUGE) {
            return;
        }
        queues.move(page.bin, SizeClasses.BIN_FULL, page);
        page.setInFull(true);
        page.useDelayedFree(Page.USE_DELAYED_FREE, false);
        collectPage(page, false); // frees that came before the delayed state was visible
        account(page); // the fast path filled it (the caller settles the gauges)
    }

    void unfull(Page page) {
        if (!page.inFull()) {
            return;
        }
        beforeDecrease();
        account(page);
        counters.settle();
        page.useDelayedFree(Page.NO_DELAYED_FREE, false);
        queues.move(SizeClasses.BIN_FULL, page.bin, page);
        page.setInFull(false);
    }

    /**
     * A page whose blocks are all free (the end of a free): kept or freed, then the OS trouble of
     * freeing it is reported (the free is complete by then). Freeing a page may purge (an OS call),
     * so the heap's slot is counted busy meanwhile (a lease is not taken over from a holder that
     * blocks in there: see {@link ThreadHeaps}).
     */
    void retire(Page page) {
        HeapSlot slot = tld.slot();
        slot.busy++;
        try {
            retireQuietly(page);
        } finally {
            slot.busy--;
        }
        context.reporter().flush();
    }

    /** A page whose blocks are all free: keep it a while if it is its bin's only page, else free it. */
    void retireQuietly(Page page) {
        page.clearAligned();
        beforeDecrease(); // (the page's own drop is accounted when the slow path next handles it)
        int q = PageQueues.queueOf(page);
        if (q < SizeClasses.BIN_HUGE && queues.first[q] == page && queues.last[q] == page) {
            page.retireExpire = page.blockSize <= Layout.SMALL_OBJ_SIZE_MAX ? RETIRE_CYCLES : RETIRE_CYCLES / 4;
            retiredMin = Math.min(retiredMin, q);
            retiredMax = Math.max(retiredMax, q);
            return;
        }
        freePage(page);
    }

    /** Frees retired pages whose grace has run out (mimalloc's {@code _mi_heap_collect_retired}). */
    void collectRetired(boolean force) {
        if (retiredMin > retiredMax) {
            return;
        }
        int min = SizeClasses.BIN_FULL;
        int max = 0;
        for (int q = retiredMin; q <= retiredMax; q++) {
            Page page = queues.first[q];
            if (page != null && page.retireExpire != 0) {
                if (page.allFree()) {
                    page.retireExpire--;
                    if (force || page.retireExpire == 0) {
                        freePage(page);
                    } else {
                        min = Math.min(min, q);
                        max = Math.max(max, q);
                    }
                } else {
                    page.retireExpire = 0;
                }
            }
        }
        retiredMin = min;
        retiredMax = max;
    }

    /** Removes an all-free page from its queue and gives its span back. */
    private void freePage(Page page) {
        queues.remove(PageQueues.queueOf(page), page);
        page.setInFull(false);
        counters.pages--;
        if (page.kind == PageKind.HUGE) {
            if (page.claimHugeRelease()) {
                context.segments().release(page.segment);
            }
            return;
        }
        pageEnded(page);
        forget(page);
        page.segment.space.freeSpan(page);
    }

    /** Frees a huge block on the owner thread: its queue entry goes at once. */
    public void freeHugeLocal(Page page) {
        if (page.claimHugeRelease()) {
            queues.remove(SizeClasses.BIN_HUGE, page);
            counters.pages--;
            context.segments().release(page.segment);
        }
    }

    // ================================================================== collect, destroy, delete

    /** mimalloc's {@code mi_heap_collect}: frees empty pages; {@code force} also purges. */
    public void collect(boolean force) {
        context.deferredFree(tld, force);
        if (dead) {
            return; // the deferred free function destroyed or deleted this heap
        }
        counters.collects++;
        BlockFree.freeDelayed(this);
        sweepReleasedHuge();
        for (int q = queues.nextQueue(1); q >= 0; q = queues.nextQueue(q + 1)) {
            Page page = queues.first[q];
            while (page != null) {
                Page next = page.next;
                if (!page.isHugeReleased()) {
                    collectPage(page, force);
                    if (page.allFree()) {
                        freePage(page);
                    } else if (page.kind != PageKind.HUGE) {
                        account(page);
                    }
                }
                page = next;
            }
        }
        // Every page of this heap was looked at: the thread's part is exact when it has no other heap.
        boolean only = tld.firstHeap() == this && nextInThread == null;
        if (only) {
            counters.exposed = 0;
            counters.verifyCredit = 0;
        }
        counters.flush(only);
        retiredMin = SizeClasses.BIN_FULL;
        retiredMax = 0;
        space.collect(force);
        SegmentReclaim.collectAbandoned(this, force);
        if (force) {
            context.purgeArenas();
        }
        context.reporter().flush(); // OS trouble of the purges: after the collection is whole
    }

    /** Pooled heaps keep at most this many (emptied) pages. */
    private static final int POOLED_PAGES_MAX = 8;

    /**
     * Frees every block at once; blocks become invalid (mimalloc's {@code mi_heap_destroy}). When the
     * thread's heap pool has room and the heap is small, its small and medium pages are emptied in
     * place and the heap is pooled for the next {@link #newHeap}; otherwise every page is freed.
     */
    public void destroy() {
        if (visiting > 0) {
            checkNotVisited("destroy");
        }
        // Only full pages send remote frees to the delayed list; stop that before dropping the list.
        for (Page p = queues.first[SizeClasses.BIN_FULL]; p != null; p = p.next) {
            p.useDelayedFree(Page.NEVER_DELAYED_FREE, false);
        }
        // The blocks other threads freed into full pages wait on the delayed list, subtracted from
        // the statistics by their freeing threads and still counted in their pages' `used`: put
        // them back on their pages (counted as collected) before the pages go, or the live counts
        // end below zero by as many blocks.
        boolean gaveBack = false; // memory went back (an OS call may have failed): report at the end
        if (hasDelayedFreeAcquire()) {
            BlockFree.freeDelayed(this);
            gaveBack = true;
        }
        boolean pool = pageCount() <= POOLED_PAGES_MAX && space == tld.space && tag == 0 && tld.poolHasRoom(this);
        long gone = 0; // bytes and blocks going at once (a peak may have been reached just before)
        long goneBlocks = 0;

        // Each word of the occupied bitmap is read once: pages moved out of the full queue (the
        // last one) go to lower queues that were already walked, and removals only clear bits.
        for (int w = 0; w < PageQueues.OCCUPIED_WORDS; w++) {
            for (long bits = queues.occupiedWord(w) & (w == 0 ? ~1L : -1L); bits != 0; bits &= bits - 1) {
                int q = (w << 6) + Long.numberOfTrailingZeros(bits);
                Page page = queues.first[q];
                while (page != null) {
                    Page next = page.next;
                    // One method on purpose (no destroyPage): it is then too large to be inlined, so
                    // callers such as NallocArena.close stay small enough to be inlined themselves and
                    // escape analysis removes the arena objects (no garbage per arena).
                    if (page.kind == PageKind.HUGE) {
                        queues.remove(q, page);
                        counters.pages--;
                        if (page.claimHugeRelease()) {
                            context.segments().release(page.segment); // its block leaves the page sums with the segment
                            gaveBack = true;
                        }
                        page = next;
                        continue;
                    }
                    try {
                        // Remote frees from now on are refused (a free racing with the destroy is one
                        // before it or none); makes `used` exact: the freeing threads already
                        // subtracted the blocks taken.
                        int remote = page.seal();
                        if (remote != 0) {
                            counters.countCollected(remote, page.bin);
                            page.seen -= remote;
                        }
                    } catch (FreeListCorruption e) {
                        // reported at the end: a handler that throws must not leave the heap half destroyed
                        context.reporter().reportLater(ErrorKind.FREE_LIST_CORRUPTION, page.start, e.getMessage());
                        gaveBack = true;
                    }
                    if (pool && page.kind != PageKind.LARGE) {
                        if (page.inFull()) {
                            queues.move(SizeClasses.BIN_FULL, page.bin, page);
                            page.setInFull(false);
                        }
                        int a = page.accountedBlocks(); // every block goes at once
                        gone += (long) a * page.blockSize;
                        goneBlocks += a;
                        forget(page);
                        int live = page.used;
                        if (live != 0) { // else all free already: the lists are fine as they are
                            if (!page.rewind()) { // a rewind keeps its count on the page (no counter work here)
                                pageEnded(page);
                                page.reset();
                                extend(page); // a few blocks now, so the next heap's first allocation takes the fast path
                            }
                        }
                    } else {
                        queues.remove(q, page);
                        page.setInFull(false);
                        counters.pages--;
                        pageEnded(page);
                        int a = page.accountedBlocks();
                        gone += (long) a * page.blockSize;
                        goneBlocks += a;
                        forget(page);
                        page.segment.space.freeSpan(page);
                        gaveBack = true;
                    }
                    page = next;
                }
            }
        }
        generation++;
        if (gone == 0 || !counters.mayPeakWith(gone) || !peakCheck(gone, goneBlocks)) {
            counters.settle();
        }
        if (pool) {
            dead = true;
            retiredMin = SizeClasses.BIN_FULL;
            retiredMax = 0;
            tld.poolHeap(this);
            leaveDefault();
        } else {
            kill();
            gaveBack = true;
        }
        if (servesArena && tld.waitsForArenas()) {
            context.arenaClosedAfterThreadDone(tld); // the last such arena retires the thread's data
        }
        if (gaveBack) {
            // OS trouble of freeing the pages, a corrupted list met on the way: the heap (and the
            // thread's data an arena held) is gone by now, whatever the handler does
            context.reporter().flush();
        }
    }

    /**
     * A heap set as its thread's default ({@code setDefaultHeap}) that goes away hands the default
     * back to the thread's own default heap (mimalloc's {@code mi_heap_free}); not while the thread's
     * data is retired (its slot goes anyway) nor on another thread.
     */
    private void leaveDefault() {
        if (defaultHandle != null) {
            defaultHandle = null;
        }
        HeapSlot s = tld.slotIfMade();
        if (s != null && s.heap == this && s.home != null && tld.thread == Thread.currentThread() && !tld.isRetired()
                && tld.defaultHeap() != this) {
            s.home.setDefault(tld.defaultHeap());
        }
    }

    /**
     * A page whose memory must not serve blocks again: a sampled block's guard page inside it that
     * the OS would not lift ({@code failure}). It leaves the heap with its blocks (the heap is being
     * destroyed) and stays out of use as a stuck span of its space until a collect lifts its guards
     * ({@link Page#makeStuck}); a huge page keeps its segment until close. Owner thread.
     */
    public void withholdPage(Page page, long guard, String failure, dev.nalloc.core.os.OsMemory os) {
        queues.remove(PageQueues.queueOf(page), page);
        page.setInFull(false);
        counters.pages--;
        if (page.kind == PageKind.HUGE) {
            page.claimHugeRelease(); // nobody releases the segment now: it goes with the instance
            page.setHeap(null);
            os.reportUnprotect(guard, os.pageSize(), failure);
            return;
        }
        try {
            int remote = page.seal(); // frees that came before are counted; later ones are refused
            counters.countCollected(remote, page.bin);
            page.seen -= remote;
        } catch (FreeListCorruption e) {
            context.reporter().reportLater(ErrorKind.FREE_LIST_CORRUPTION, page.start, e.getMessage());
        }
        pageEnded(page);
        ((EncodedPage) page).addStuckGuard(guard, os); // a page with guards: encoded
        page.segment.space.addStuck(page);
        page.makeStuck(failure);
    }

    /** Frees the (empty) pages of a pooled heap and drops it. */
    void discardPooled() {
        tld.removeHeap(this);
        for (int q = queues.nextQueue(1); q >= 0; q = queues.nextQueue(q + 1)) {
            Page page;
            while ((page = queues.first[q]) != null) {
                queues.remove(q, page);
                counters.pages--;
                pageEnded(page);
                forget(page);
                page.segment.space.freeSpan(page);
            }
        }
        queues.clear();
    }

    /**
     * Moves every page to the thread's default heap; blocks stay valid (mimalloc's
     * {@code mi_heap_delete} with {@code mi_heap_absorb}).
     */
    public void delete() {
        if (isDefault) {
            return;
        }
        checkNotVisited("delete (close)");
        LocalHeap target = heapForTag(tld, tag, this);
        BlockFree.freeDelayed(this);
        for (int q = queues.nextQueue(1); q >= 0; q = queues.nextQueue(q + 1)) {
            Page page;
            while ((page = queues.first[q]) != null) {
                queues.remove(q, page);
                page.setHeap(target);
                page.useDelayedFree(page.inFull() ? Page.USE_DELAYED_FREE : Page.NO_DELAYED_FREE, false);
                target.queues.pushBack(q, page);
            }
        }
        // Remote frees that saw this heap before the pages moved are on our list: free them now.
        target.adoptDelayed(takeDelayedFree());
        kill();
    }

    private void adoptDelayed(long list) {
        while (list != 0) {
            long next = Mem.load(list);
            pushDelayedFree(list);
            list = next;
        }
        BlockFree.freeDelayed(this);
    }

    private void kill() {
        tld.releasePoolSlot(this);
        dead = true;
        generation++;
        queues.clear();
        tld.removeHeap(this);
        leaveDefault();
        if (space != tld.space) {
            space.collect(true); // no heap collects a bound space any more: give back what it holds now
        }
    }

    // ================================================================== abandon and reclaim

    /**
     * The first half of abandoning a thread (mimalloc's {@code _mi_heap_collect_abandon}), run by the
     * thread itself or, for a dead thread, by the one thread that retires it: no remote free may go
     * to the delayed list any more, the delayed list is drained, pages whose blocks are all free are
     * freed, and every other page leaves the heap (its heap becomes null; remote frees keep going to
     * its threadFree list). Huge pages leave too: whoever frees their block releases the segment.
     *
     * @return the pages left in use (now belonging to no heap)
     */
    int abandonPages() {
        for (int q = queues.nextQueue(1); q >= 0; q = queues.nextQueue(q + 1)) {
            for (Page p = queues.first[q]; p != null; p = p.next) {
                p.useDelayedFree(Page.NEVER_DELAYED_FREE, false);
            }
        }
        BlockFree.freeDelayed(this);
        int left = 0;
        for (int q = queues.nextQueue(1); q >= 0; q = queues.nextQueue(q + 1)) {
            Page page;
            while ((page = queues.first[q]) != null) {
                if (page.kind == PageKind.HUGE) {
                    queues.remove(q, page);
                    counters.pages--;
                    page.setHeap(null);
                    continue;
                }
                collectPage(page, true);
                if (page.allFree()) {
                    freePage(page);
                    continue;
                }
                queues.remove(q, page);
                counters.pages--;
                // Leaves with its exact live blocks in the gauges (no carved-ahead ones): from now on
                // only frees change it, and the freeing threads count those.
                counters.blocksChanged(page.blockSize, page.used - page.seen);
                page.seen = page.used;
                page.setHeap(null);
                page.setInFull(false);
                page.retireExpire = 0;
                left++;
            }
        }
        retiredMin = SizeClasses.BIN_FULL;
        retiredMax = 0;
        counters.flush(false); // the thread leaves: its changes are published (peaks were raised as it ran)
        return left;
    }

    /**
     * Takes one page of this heap out for the forced abandon of its segment (mimalloc's
     * {@code _mi_page_force_abandon}): no remote free may go to the delayed list any more, the
     * list is drained (no block of the page stays on it), and the page is freed when all its
     * blocks are free, else it leaves the heap (its heap becomes null) as at thread end.
     *
     * @return true when the page is left in use, in no heap
     */
    boolean forceAbandonPage(Page page) {
        page.useDelayedFree(Page.NEVER_DELAYED_FREE, false);
        BlockFree.freeDelayed(this);
        if (!page.inUse() || page.heap() != this) {
            return false; // freed by the delayed frees
        }
        collectPage(page, true);
        if (page.allFree()) {
            freePage(page);
            return false;
        }
        queues.remove(PageQueues.queueOf(page), page);
        counters.pages--;
        counters.blocksChanged(page.blockSize, page.used - page.seen); // leaves with its exact live blocks
        page.seen = page.used;
        page.setHeap(null);
        page.setInFull(false);
        page.retireExpire = 0;
        return true;
    }

    /** The first page of the full queue that is not huge, or null (target_segments_per_thread). */
    Page firstFullPage() {
        for (Page p = queues.first[SizeClasses.BIN_FULL]; p != null; p = p.next) {
            if (p.kind != PageKind.HUGE) {
                return p;
            }
        }
        return null;
    }

    /** A page of a claimed abandoned segment ends empty (statistics: its freed blocks are settled). */
    void countLeftOver(Page page) {
        pageEnded(page);
        forget(page);
    }

    /** The heap is gone with its thread: handles see it dead, nothing is left in it. */
    void markAbandoned() {
        tld.releasePoolSlot(this);
        dead = true;
        generation++;
        queues.clear();
        tld.removeHeap(this);
    }

    /**
     * Takes a page of a reclaimed segment into this heap (mimalloc's {@code _mi_page_reclaim}): the
     * heap is set before remote frees may use the delayed list again, and the page goes to its bin
     * (a page without free blocks moves to the full queue on the next search of that bin).
     */
    void adoptPage(Page page) {
        page.setHeap(this);
        page.useDelayedFree(Page.NO_DELAYED_FREE, true);
        page.setInFull(false);
        page.retireExpire = 0;
        queues.pushBack(page.bin, page);
        counters.pages++;
    }

    /**
     * Collects the remote frees of a page this heap's thread has exclusive use of (an abandoned
     * page it claimed); a broken list is reported.
     */
    void collectRemote(Page page) {
        try {
            int remote = page.collectThreadFree();
            if (remote != 0) {
                counters.countCollected(remote, page.bin);
                page.seen -= remote;
            }
        } catch (FreeListCorruption e) {
            context.reporter().report(ErrorKind.FREE_LIST_CORRUPTION, page.start, e.getMessage());
        }
    }

    // ================================================================== statistics: peaks (see Gauges)

    /** Brings the page's contribution to the gauges ({@link Page#accountedBlocks}) up to date (owner thread). */
    private void account(Page page) {
        if (page.kind == PageKind.HUGE) {
            return; // huge blocks are counted when their segment is made and released
        }
        int a = page.accountedBlocks();
        int d = a - page.seen;
        if (d != 0) {
            page.seen = a;
            counters.blocksChanged(page.blockSize, d);
        }
    }

    /** The page ends (freed, or emptied for reuse): its allocated blocks are settled as freed. */
    private void pageEnded(Page page) {
        counters.pageEnded(page.bin, FreeLists.takeEnded(page));
    }

    /** The page's blocks all go at once (destroy, page freed): out of the gauges. */
    private void forget(Page page) {
        int d = page.seen;
        if (d != 0) {
            page.seen = 0;
            counters.blocksChanged(page.blockSize, -d);
        }
    }

    /**
     * After a slow-path event raised the gauges: publishes them, raising the peaks, when a peak may
     * have been passed (see {@link #peakCheck}); otherwise publishes a large change without raising
     * peaks. Most events only compare one field ({@link ThreadCounters#mayPeak}).
     */
    private void settle() {
        if (!counters.mayPeak() || !peakCheck(0, 0)) {
            counters.settle();
        }
    }

    /**
     * Before a slow-path event lowers the live count: the live bytes just before it may be a peak the
     * fast path reached unseen (only when it was handed blocks whose taking the slow path does not see).
     */
    private void beforeDecrease() {
        if (counters.exposed > 0 && counters.mayPeak()) {
            peakCheck(0, 0);
        }
    }

    /**
     * Bytes of increases that pay for looking at one page beyond the pages bins allocate from (see
     * {@link #peakCheck}).
     */
    private static final long LOOK_BYTES_PER_PAGE = 8 * 1024;

    /**
     * When the thread's live bytes may have passed a peak (what it saw plus what the fast path may
     * have taken unseen), looks at every page its fast paths may have changed unseen so that its part
     * is exact, and publishes it, raising the peaks. Those pages are the first page of each bin queue
     * (the fast path allocates from it and frees into it) and the other pages of bin queues, neither
     * full nor current (frees only). A look at the first pages is cheap and always made; the others
     * are looked at once the increases seen since the last look amount to {@link #LOOK_BYTES_PER_PAGE}
     * per such page (a growing heap has none; a heap churning at its peak with many partly used
     * pages looks at them every so many KiB of allocation), and until then no peak is raised.
     *
     * @param goneBytes  bytes of blocks a destroy just took out of the pending changes: the level to
     *                   check is the one before (0 otherwise)
     * @param goneBlocks their blocks
     * @return true when it published
     */
    private boolean peakCheck(long goneBytes, long goneBlocks) {
        if (!counters.peakPossibleWith(goneBytes, goneBlocks) && !counters.exposurePossiblyPeaked()) {
            counters.checkedNoPeak();
            return false;
        }
        long extra = 0;
        for (LocalHeap h = tld.firstHeap(); h != null; h = h.nextInThread) {
            extra += h.queues.extraBinPages();
        }
        long due = extra * LOOK_BYTES_PER_PAGE;
        if (counters.verifyCredit < due) {
            counters.checkLater(due);
            return false;
        }
        for (LocalHeap h = tld.firstHeap(); h != null; h = h.nextInThread) {
            h.accountQueuedPages(extra != 0);
        }
        counters.exposed = 0;
        counters.verifyCredit = 0;
        if (counters.peakPossibleWith(goneBytes, goneBlocks)) {
            counters.flushRaising(goneBytes, goneBlocks);
            return true;
        }
        counters.checkedNoPeak();
        return false;
    }

    /** Accounts the first page of every bin queue of this heap, with {@code all} every page of them. */
    private void accountQueuedPages(boolean all) {
        for (int q = queues.nextQueue(1); q >= 0 && q < SizeClasses.BIN_HUGE; q = queues.nextQueue(q + 1)) {
            for (Page p = queues.first[q]; p != null; p = all ? p.next : null) {
                account(p);
            }
        }
    }

    // ================================================================== queries

    /** True when {@code address} lies in a live or free block of a page of this heap. */
    public boolean contains(long address) {
        Segment seg = SegmentMap.lookup(address);
        if (seg == null || seg.allocator != context.allocatorIdentity()) {
            return false;
        }
        Page page = Page.of(seg, address);
        return page != null && page.inUse() && page.heap() == this && page.holds(address) && !page.isHugeReleased();
    }

    /**
     * mimalloc's {@code mi_heap_visit_blocks}: areas, and with {@code all} every live block. The
     * pages are the ones the heap has when the visit begins (taken in a list first), so the visitor
     * may allocate and free, in this heap too: a page that leaves the heap meanwhile is skipped,
     * pages made meanwhile are not visited, and {@link PageVisit} keeps each page's map of live
     * blocks up to date. What the visitor may not do (destroy or delete this heap, end its thread,
     * close the allocator) ends in an {@link IllegalStateException} that names the rule.
     */
    public void visitBlocks(boolean all, HeapVisitor visitor) {
        BlockFree.freeDelayed(this);
        sweepReleasedHuge();
        context.reporter().flush();
        java.util.List<Page> pages = new java.util.ArrayList<>(pageCount());
        forEachPage(pages::add);
        visiting++;
        try {
            for (Page page : pages) {
                if (page.inUse() && page.heap() == this && !page.isHugeReleased() && !visitPage(page, all, visitor)) {
                    return;
                }
            }
        } finally {
            visiting--;
        }
    }

    private boolean visitPage(Page page, boolean all, HeapVisitor visitor) {
        collectForVisit(page);
        long bs = page.blockSize;
        HeapArea area = new HeapArea(page.start, page.areaSize(), (long) page.capacity * bs, page.used, bs, bs, page.tag);
        boolean go = visitor.visit(area, 0, bs);
        afterVisitor();
        if (!go) {
            return false;
        }
        if (!all || page.used == 0 || !page.inUse() || page.heap() != this || page.isHugeReleased()) {
            return true;
        }
        return new PageVisit(this, page, area).run(visitor);
    }

    /** A forced collect of one page before its blocks are mapped (see {@link PageVisit}). */
    void collectForVisit(Page page) {
        collectPage(page, true);
    }

    void reportCorruption(Page page, FreeListCorruption e) {
        context.reporter().report(ErrorKind.FREE_LIST_CORRUPTION, page.start, e.getMessage());
    }

    /** Visits of this heap in progress (owner thread): see {@link #checkNotVisited}. */
    private int visiting;

    /**
     * After each call of a visitor: the rules a visitor may break without the heap refusing at once
     * (it cannot know the allocator will close) are checked here, before the visit reads a page again.
     */
    void afterVisitor() {
        if (context.isClosed()) {
            throw new IllegalStateException("nalloc: the allocator was closed by a HeapVisitor during visitBlocks "
                    + "(a visitor must not close the allocator)");
        }
        if (dead) {
            throw new IllegalStateException("nalloc: the heap was destroyed or deleted during visitBlocks "
                    + "(a visitor must not destroy, delete or end the thread of the heap it visits)");
        }
    }

    /**
     * Refuses, before anything changes, what would pull the heap from under a visit in progress:
     * destroying or deleting it (owner thread; {@code what} names the operation).
     */
    public void checkNotVisited(String what) {
        if (visiting > 0) {
            throw new IllegalStateException("nalloc: " + what + " during visitBlocks of the heap: a HeapVisitor must not "
                    + "destroy, delete or end the thread of the heap it visits");
        }
    }

    /** True while a visit of this heap runs (owner thread). */
    boolean isVisited() {
        return visiting > 0;
    }

    /** Calls {@code action} on every page of this heap (owner thread). */
    public void forEachPage(java.util.function.Consumer<Page> action) {
        for (int q = queues.nextQueue(1); q >= 0; q = queues.nextQueue(q + 1)) {
            for (Page page = queues.first[q]; page != null; page = page.next) {
                action.accept(page);
            }
        }
    }

    /** Pages in the heap's queues. */
    public int pageCount() {
        return queues.pages();
    }

    /** Verifies every page's free-list invariant and the queue/direct-table consistency. */
    public void checkInvariants() {
        for (int q = queues.nextQueue(1); q >= 0; q = queues.nextQueue(q + 1)) {
            Page prev = null;
            for (Page page = queues.first[q]; page != null; page = page.next) {
                if (page.prev != prev) {
                    throw new IllegalStateException("queue " + q + " has a broken back link at " + page);
                }
                if (page.heap() != this) {
                    throw new IllegalStateException(page + " in queue " + q + " belongs to another heap");
                }
                if (PageQueues.queueOf(page) != q) {
                    throw new IllegalStateException(page + " is in queue " + q + " but belongs in " + PageQueues.queueOf(page));
                }
                if (!page.isHugeReleased()) {
                    page.checkInvariants();
                }
                prev = page;
            }
            if (queues.last[q] != prev) {
                throw new IllegalStateException("queue " + q + " has a wrong last page");
            }
        }
        for (int w = 0; w <= SizeClasses.SMALL_WSIZE_MAX; w++) {
            int bin = SizeClasses.bin((long) w * SizeClasses.WORD);
            Page expected = queues.first[bin] == null ? Page.EMPTY : queues.first[bin];
            if (direct[w] != expected) {
                throw new IllegalStateException("direct[" + w + "] is not the first page of bin " + bin);
            }
        }
    }
}
