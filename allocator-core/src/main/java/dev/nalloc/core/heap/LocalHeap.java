package dev.nalloc.core.heap;

import dev.nalloc.api.Heap;
import dev.nalloc.api.HeapVisitor;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.os.OsMemory;
import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageHooks;
import dev.nalloc.core.page.PageOwner;
import dev.nalloc.core.page.PageQueues;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.core.segment.SegmentSpace;
import dev.nalloc.core.stats.ThreadCounters;

/**
 * A thread-local heap (mimalloc's {@code mi_heap_t}): page queues per size bin, the direct page
 * table for small sizes, and the list of blocks freed by other threads into full pages
 * ({@code threadDelayedFree}). Everything but {@link #casPushDelayedFree} (see {@link BlockFree}) runs
 * on the owner thread.
 *
 * <p>This class is the heap's state, its making ({@code mi_heap_new}), its allocation fast paths
 * ({@link #mallocSmall} pops a page's free list) and the entry points the allocator calls. The work
 * is in files of one job each, as in mimalloc's {@code page.c} and {@code heap.c}:
 * <ul>
 *   <li>pages: {@link PageSearch} (the slow path: find a page with a free block, carve, fresh and
 *       huge pages), {@link PageCollect} (a page's frees into its free list), {@link FullQueue},
 *       {@link PageRetire} (all-free pages kept a while or freed), {@link PageAbandon} (a page
 *       leaving its heap, or taken in);</li>
 *   <li>the heap: {@link HeapCollect} (collect, and the abandoning collect at thread end),
 *       {@link HeapDestroy} (destroy and the heap pool), {@link HeapDelete}, {@link HeapVisit},
 *       {@link HeapInvariants};</li>
 *   <li>{@link HeapGauges}: the heap's part of the live gauges and peaks;
 *       {@link BlockFree}: freeing a block (mimalloc's {@code free.c}).</li>
 * </ul>
 */
public final class LocalHeap extends PageOwner {

    /**
     * {@code direct[wsize]}: the page for requests of {@code wsize} words (up to 128). An
     * {@code EncodedPage[]} in CHECKED and SECURE instances (their pages are all encoded): SECURE's
     * fast path reads it typed ({@link HeapSlot#encodedDirect}), with no class check of the page.
     */
    private final Page[] direct;
    final PageQueues queues;
    public final ThreadData tld;
    /** Where this heap's pages come from: the thread's space, or one bound to an arena. */
    final SegmentSpace space;
    final ThreadCounters counters;
    final HeapContext context;
    private final boolean isDefault;
    /** Null in FAST instances; otherwise pages get encoded links and the mode's guards. */
    final PageHooks hooks;
    /** Generic allocations since the last light collection (see {@link PageSearch}). */
    long genericCount;
    /** Generic allocations since the last deferred-free call (see {@link PageSearch}). */
    int deferredCount;
    /** The range of bins that may hold a retired page (see {@link PageRetire}); empty when min > max. */
    int retiredMin = SizeClasses.BIN_FULL;
    int retiredMax;
    /**
     * The page {@link PageSearch#extend} carved last, until the allocation that follows looks at it
     * for the gauges (peaks): a batch handed out after a collect is not looked at then (see
     * docs/statistics.md).
     */
    Page extendedPage;
    /** Visits of this heap in progress (owner thread): see {@link #checkNotVisited}. */
    int visiting;
    /** Set by destroy (pooled or not), delete and abandon; cleared when a pooled heap is taken again. */
    boolean dead;
    /** Links in the thread's list of live heaps. */
    LocalHeap nextInThread;
    LocalHeap prevInThread;
    /** This heap's slot in the thread's heap pool, or -1 (see {@link ThreadData#poolHeap}). */
    int poolSlot = -1;
    /** The heap's tag (mimalloc's {@code heap->tag}): its pages carry it; 0 for untagged heaps. */
    int tag;
    /** The public handle this heap was last made the thread's default through (owner thread, plain), or null. */
    private Heap defaultHandle;
    /** The own slot that served this heap as its thread's default until a switch retired it, or null (owner thread). */
    HeapSlot defaultSlot;
    /**
     * False for a heap that may take over reclaimed pages of its tag (mimalloc's
     * {@code !heap->no_reclaim}); such a heap is never destroyed, nor pooled.
     */
    boolean allowDestroy = true;
    /** Bumped by destroy and delete: handles of an earlier generation see the heap as gone. */
    int generation;
    /** The heap of an open {@code java.lang.foreign.Arena} (set by the arena; cleared when the heap is reused). Owner thread, plain. */
    boolean servesArena;
    /**
     * A pooled heap's pages, {@link #sealedCount} of them: those its destroy sealed and kept, to be
     * unsealed when it is taken again ({@link HeapDestroy#unsealPages}): the first here, the others
     * in {@link #sealedPages} (made when a destroy first keeps a second page). The entries stay
     * after the unseal (count 0), so that the next destroy rewrites only those that change; the
     * destroy clears the ones past its list.
     */
    Page sealedFirst;
    /** The pages of the list after {@link #sealedFirst}, or null. */
    Page[] sealedPages;
    int sealedCount;

    /** The public handle this heap was last made the thread's default through, or null; a plain read (owner thread). */
    public Heap defaultHandle() {
        return defaultHandle;
    }

    /** Records the public handle this heap is made the thread's default through (null: none); a plain store (owner thread). */
    public void setDefaultHandle(Heap handle) {
        defaultHandle = handle;
    }

    /** The heap now serves an open {@code java.lang.foreign.Arena}; a plain store (owner thread). */
    public void markServesArena() {
        servesArena = true;
    }

    private LocalHeap(ThreadData tld, boolean isDefault, SegmentSpace space) {
        this.tld = tld;
        this.space = space;
        this.counters = tld.counters;
        this.context = tld.context;
        this.isDefault = isDefault;
        this.hooks = context.pageHooks();
        this.direct = hooks != null ? new EncodedPage[SizeClasses.SMALL_WSIZE_MAX + 1] : new Page[SizeClasses.SMALL_WSIZE_MAX + 1];
        this.queues = new PageQueues(direct);
    }

    /** Makes the default heap of a thread. */
    public static LocalHeap newDefault(ThreadData tld) {
        LocalHeap h = new LocalHeap(tld, true, tld.space);
        tld.setDefaultHeap(h);
        tld.addHeap(h);
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
            HeapDestroy.unsealPages(h);
            return h;
        }
        h = new LocalHeap(tld, false, tld.space);
        tld.addHeap(h);
        return h;
    }

    /**
     * Makes a first-class heap of the thread of {@code tld} whose pages all come from {@code space}
     * (bound to one arena: mimalloc's {@code mi_heap_new_in_arena}). It is never pooled.
     */
    public static LocalHeap newHeapInSpace(ThreadData tld, SegmentSpace space) {
        LocalHeap h = new LocalHeap(tld, false, space);
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
        forEachPage(p -> p.setTag(tag));
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

    // ================================================================== allocation: the fast paths

    /**
     * Allocates {@code size <= 1024} bytes: one array load and a free-list pop when a page has room.
     *
     * <p>C2 shape: the pop is written out here (and in {@link #zalloc} and {@link #mallocEncoded})
     * and the slow path is one call, so this stays small enough to be inlined into the allocators'
     * and arenas' fast paths (HeapShapeTest guards its size; ArenaInliningTest that
     * {@code NallocArena.allocate} calls it). The refill from the page's local frees
     * ({@link #popLocalFree}) is the slow path's first step, out of line with it: inlined here, it
     * was in every compiled caller (and twice in FAST's malloc), though it runs once per free list.
     */
    public long mallocSmall(long size) {
        Page page = direct[(int) ((size + 7) >>> 3)];
        long block = page.freeHead();
        if (block != 0) {
            page.setFreeHead(Mem.load(block));
            page.incrementUsed();
            return block;
        }
        return PageSearch.mallocGeneric(this, size, false); // takes the page's local frees first (popLocalFree)
    }

    /**
     * The direct page's free list ran dry (FAST's out-of-line refill in {@code NallocAllocator.malloc},
     * and the first step of {@link PageSearch#mallocGeneric} for small sizes): when the owner has
     * freed blocks of it since (its
     * local-free list) and no other thread has (its thread-free list is empty), they become its
     * free list and the first is taken, without the slow path. mimalloc takes the same blocks at
     * this point, but in its generic path (collecting the page first thing); a short task that
     * frees what it allocates meets this every few dozen pairs, so here it costs a few loads and
     * stores instead of the slow path's housekeeping and page search. With remote frees waiting,
     * the slow path collects both lists (as mimalloc's collect does). The counters stay as the
     * slow path's collect leaves them: the blocks moved are settled, the page is no longer
     * retired ({@code retireExpire}) nor pristine. Owner thread (or lease holder): it never blocks,
     * so a lease holder needs no busy count for it, as for the pop.
     *
     * @return the block taken, or 0 (the caller takes the slow path)
     */
    public static long popLocalFree(Page page) {
        long block = page.localFreeHead();
        // Neither an empty list nor remote frees waiting (addresses are positive), as one test by sign:
        // C2 shape, a second branch would be compiled before any remote free and trap (HeapShapeTest).
        if ((block - 1 | -page.threadFreeHead()) < 0) {
            return 0;
        }
        ((LocalHeap) page.getVolatileHeap()).counters.settled(page.bin(), page.capacity() - page.used());
        page.takeLocalFree();
        page.setRetireExpire(0);
        page.setFreeHead(page.popNext(block));
        page.incrementUsed();
        return block;
    }

    /**
     * Allocates {@code size <= 1024} bytes through the slow path, for FAST's malloc, which found the
     * direct page without a free block and took its local frees if it could ({@link #popLocalFree};
     * the slow path's own first look at them finds none).
     */
    public long mallocGeneric(long size) {
        return PageSearch.mallocGeneric(this, size, false);
    }

    /** Allocates {@code size} bytes ({@code 0 <= size <= Layout.MAX_ALLOC_SIZE}); 0 when out of memory. */
    public long malloc(long size) {
        if (hooks != null) {
            return mallocEncoded(size, false);
        }
        return size <= SizeClasses.SMALL_SIZE_MAX ? mallocSmall(size) : PageSearch.mallocGeneric(this, size, false);
    }

    /** Allocates {@code size} zeroed bytes; the whole usable block is zeroed. */
    public long zalloc(long size) {
        if (hooks != null) {
            return mallocEncoded(size, true);
        }
        if (size <= SizeClasses.SMALL_SIZE_MAX) {
            Page page = direct[(int) ((size + 7) >>> 3)];
            long block = page.freeHead();
            if (block != 0) {
                page.setFreeHead(Mem.load(block));
                page.incrementUsed();
                zeroBlock(page, block);
                return block;
            }
        }
        return PageSearch.mallocGeneric(this, size, true);
    }

    /**
     * Allocation in a CHECKED or SECURE instance, whose pages have encoded links (never through
     * {@link #mallocSmall}, which reads plain ones).
     */
    public long mallocEncoded(long size, boolean zero) {
        if (size <= SizeClasses.SMALL_SIZE_MAX) {
            Page page = direct[(int) ((size + 7) >>> 3)];
            long block = page.freeHead();
            if (block != 0) {
                page.setFreeHead(page.popNext(block));
                page.incrementUsed();
                if (zero) {
                    zeroBlock(page, block);
                }
                return block;
            }
        }
        return PageSearch.mallocGeneric(this, size, zero);
    }

    /** The page small requests of {@code size} bytes are served from (possibly {@link Page#EMPTY}). */
    public Page directPage(long size) {
        return direct[(int) ((size + 7) >>> 3)];
    }

    static void zeroBlock(Page page, long block) {
        if (page.freeIsZero()) {
            Mem.store(block, 0);
        } else {
            Mem.zero(block, page.blockSize());
        }
    }

    /**
     * A new huge page for a block of at least {@code size} bytes whose address plus {@code adjust}
     * bytes is aligned to {@code alignment} (0: the segment alignment); null when out of memory.
     */
    public Page hugePage(long size, long alignment, long adjust) {
        return PageSearch.hugePage(this, size, alignment, adjust);
    }

    /** Pops the one block of a fresh huge page (aligned allocation path). */
    public long takeHugeBlock(Page page, boolean zero) {
        long block = page.freeHead();
        page.setFreeHead(page.popNext(block));
        page.incrementUsed();
        if (zero) {
            zeroBlock(page, block);
        }
        return block;
    }

    /** Frees a huge block on the owner thread: its queue entry goes at once. */
    public void freeHugeLocal(Page page) {
        PageRetire.freeHugeLocal(this, page);
    }

    // ================================================================== the heap's lifecycle

    /** mimalloc's {@code mi_heap_collect}: frees empty pages; {@code force} also purges (see {@link HeapCollect}). */
    public void collect(boolean force) {
        HeapCollect.collect(this, force);
    }

    /**
     * Frees every block at once; blocks become invalid (mimalloc's {@code mi_heap_destroy}). When the
     * thread's heap pool has room and the heap is small, its small and medium pages are emptied in
     * place and the heap is pooled for the next {@link #newHeap}; otherwise every page is freed
     * (see {@link HeapDestroy}).
     */
    public void destroy() {
        HeapDestroy.destroy(this);
    }

    /**
     * Moves every page to the thread's default heap; blocks stay valid (mimalloc's
     * {@code mi_heap_delete} with {@code mi_heap_absorb}); the thread's default heap is never deleted.
     */
    public void delete() {
        if (isDefault) {
            return;
        }
        HeapDelete.delete(this);
    }

    /**
     * A page whose memory must not serve blocks again (a guard page the OS would not lift): it
     * leaves the heap being destroyed (see {@link HeapDestroy#withholdPage}). Owner thread.
     */
    public void withholdPage(Page page, long guard, String failure, OsMemory os) {
        HeapDestroy.withholdPage(this, page, guard, failure, os);
    }

    /** The heap ends (destroyed unpooled, deleted): it leaves its thread; a bound space gives its memory back. */
    void end() {
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

    /**
     * A heap set as its thread's default ({@code setDefaultHeap}) that goes away hands the default
     * back to the thread's own default heap (mimalloc's {@code mi_heap_free}); not while the thread's
     * data is retired (its slot goes anyway) nor on another thread.
     */
    void leaveDefault() {
        if (defaultHandle != null) {
            defaultHandle = null;
        }
        HeapSlot s = tld.slotIfMade();
        if (s != null && s.heap == this && s.home != null && tld.thread == Thread.currentThread() && !tld.getVolatileRetired()
                && tld.defaultHeap() != this) {
            s.home.setDefault(tld.defaultHeap());
        }
    }

    /** The heap is gone with its thread (after {@link HeapCollect#abandon}): handles see it dead, nothing is left in it. */
    void markAbandoned() {
        tld.releasePoolSlot(this);
        dead = true;
        generation++;
        queues.clear();
        tld.removeHeap(this);
    }

    // ================================================================== queries and visits

    /** True when {@code address} lies in a live or free block of a page of this heap. */
    public boolean contains(long address) {
        Segment seg = SegmentMap.lookup(address);
        if (seg == null || seg.allocator != context.allocatorIdentity()) {
            return false;
        }
        Page page = Page.of(seg, address);
        return page != null && page.inUse() && page.getVolatileHeap() == this && page.holds(address) && !page.getAcquireHugeReleased();
    }

    /** mimalloc's {@code mi_heap_visit_blocks}: areas, and with {@code all} every live block (see {@link HeapVisit}). */
    public void visitBlocks(boolean all, HeapVisitor visitor) {
        HeapVisit.visitBlocks(this, all, visitor);
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
            for (Page page = queues.first[q]; page != null; page = page.next()) {
                action.accept(page);
            }
        }
    }

    /** Pages in the heap's queues. */
    int pageCount() {
        return queues.pages();
    }

    /** Verifies every page's free-list invariant and the queue/direct-table consistency (see {@link HeapInvariants}). */
    void checkInvariants() {
        HeapInvariants.check(this);
    }
}
