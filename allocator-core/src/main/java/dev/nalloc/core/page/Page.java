package dev.nalloc.core.page;

import dev.nalloc.core.memory.SizeClasses;

import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.Span;
import dev.nalloc.core.segment.SpanFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A span of slices inside a segment (mimalloc's {@code mi_page_t}, which doubles as
 * {@code mi_slice_t}): either a free span waiting in a span queue, or a page of equally sized
 * blocks owned by a heap. The span part (segment, slices, in use) is the segment layer's
 * {@link Span}; segments make their pages through {@link #SPANS}.
 *
 * <p>A {@code Page} is a page of a FAST instance: plain links, no mode state. CHECKED and SECURE
 * instances make {@link EncodedPage}s ({@link EncodedPage#SPANS}), which add the encoded links'
 * keys, the mode's per-page state and CHECKED's block states. The few methods that differ test the
 * type ({@code this instanceof EncodedPage}: one compare against a final class, as cheap as the
 * null test of a mode field) instead of being overridden, so that every call stays a static one
 * that both compilers inline, whatever mix of instances a program runs.
 *
 * <p>A page's blocks are on one of four lists or live: {@code free} (allocation pops here),
 * {@code localFree} (the owner thread frees here with plain stores), {@code threadFree} (other
 * threads push here with one CAS; its low two bits hold the delayed-free state), or beyond
 * {@code capacity} (not yet carved: the free list grows lazily, a few KiB at a time). The links
 * are the first word of each free block, in native memory.
 */
public sealed class Page extends PageFields.Padded permits EncodedPage {

    // Delayed-free states in the low two bits of threadFree (mimalloc's mi_delayed_t).
    /** A remote free pushes the block on the heap's delayed list (the page is in the full queue). */
    public static final int USE_DELAYED_FREE = 0;
    /** A remote free is pushing on the heap's delayed list right now. */
    static final int DELAYED_FREEING = 1;
    /** A remote free pushes on the page's threadFree list. */
    public static final int NO_DELAYED_FREE = 2;
    /** As {@link #NO_DELAYED_FREE}, and moving to the full queue must not change it. */
    public static final int NEVER_DELAYED_FREE = 3;
    static final long STATE_MASK = 3;
    /**
     * The page's heap was destroyed ({@link #seal}): remote frees are refused until the page is made
     * or pooled again ({@link #unseal}). Set with the state bits {@link #USE_DELAYED_FREE}, so that
     * {@link #freeRemote}'s common path tests nothing more: only its delayed-free branch looks.
     */
    static final long SEALED = 4;
    /** The bits of the threadFree word that hold the list's head (blocks are 8-byte aligned). */
    static final long HEAD_MASK = ~(STATE_MASK | SEALED);

    private static final VarHandle THREAD_FREE;
    private static final VarHandle HUGE_RELEASED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            THREAD_FREE = l.findVarHandle(PageFields.ThreadFreeWord.class, "threadFree", long.class);
            HUGE_RELEASED = l.findVarHandle(PageFields.Shape.class, "hugeReleased", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The shared empty page of unused direct-table entries: it never has a free block. */
    public static final Page EMPTY = new Page(null, 0);

    /** Makes the pages of segments (and their cover arrays, of type {@code Page[]}). */
    public static final SpanFactory SPANS = new SpanFactory() {
        @Override
        public Span newSpan(Segment segment, int sliceIndex) {
            return new Page(segment, sliceIndex);
        }

        @Override
        public Span[] newCover(int slices) {
            return new Page[slices];
        }
    };

    Page(Segment segment, int sliceIndex) {
        super(segment, sliceIndex);
    }

    // ------------------------------------------------------------------ fields (the page package uses them directly)

    /** The page's kind (small, medium, large, huge), or null for a free span or a stuck one. */
    public PageKind kind() {
        return kind;
    }

    /** The address of the page's first block (the start of its block area). */
    public long areaStart() {
        return start;
    }

    /** The size of the page's blocks. */
    public long blockSize() {
        return blockSize;
    }

    /** The blocks carved so far: {@code [0, capacity)} are live or on a free list. */
    public int capacity() {
        return capacity;
    }

    /** The bin (heap queue index) of a page, or the span-queue bin of a free span. */
    public int bin() {
        return bin;
    }

    /** The tag of the heap that made the page (0 for untagged heaps). */
    public int tag() {
        return tag;
    }

    /** The page is now its heap's, whose tag is {@code tag} (a heap's tag was set; owner thread). */
    public void setTag(int tag) {
        this.tag = tag;
    }

    /** The next page in its heap's page queue (or the next span in a span queue), or null. */
    public Page next() {
        return next;
    }

    /** The previous page in its heap's page queue (or the previous span in a span queue), or null. */
    public Page prev() {
        return prev;
    }

    /** The blocks handed out and not freed by the owner; remote frees count until they are collected. */
    public int used() {
        return used;
    }

    /** A block was handed out (owner thread). */
    public void incrementUsed() {
        used++;
    }

    /**
     * A block was freed onto localFree (owner thread).
     *
     * @return the blocks still in use
     */
    public int decrementUsed() {
        return --used;
    }

    /** The head of the free list (allocation pops here), 0 when empty; encoded on encoded pages. */
    public long freeHead() {
        return free;
    }

    /** Sets the head of the free list (after popping its first block; owner thread). */
    public void setFreeHead(long block) {
        free = block;
    }

    /** The head of the localFree list (the owner frees here), 0 when empty. */
    public long localFreeHead() {
        return localFree;
    }

    /** Sets the head of the localFree list (after pushing a block linked to the old head; owner thread). */
    public void setLocalFreeHead(long block) {
        localFree = block;
    }

    /** The blocks on the free list read as zero apart from their link word. */
    public boolean freeIsZero() {
        return freeIsZero;
    }

    /** The heap collections left before this retired (all-free) page is freed; 0 when it is not retired. */
    public int retireExpire() {
        return retireExpire;
    }

    /** Retires the page for {@code cycles} collections, or (0) takes it out of retirement (owner thread). */
    public void setRetireExpire(int cycles) {
        retireExpire = cycles;
    }

    /** One collection of a retired page's grace has passed (owner thread). */
    public void decrementRetireExpire() {
        retireExpire--;
    }

    /**
     * The blocks this page contributes to its owner's gauges as of the owner's last slow-path look
     * at it (statistics' peaks; owner thread).
     */
    public int seen() {
        return seen;
    }

    /** Records the blocks the owner's gauges now count for this page (owner thread). */
    public void setSeen(int blocks) {
        seen = blocks;
    }

    /** {@code blocks} freed blocks were taken off the owner's gauges (owner thread). */
    public void dropSeen(int blocks) {
        seen -= blocks;
    }

    // ------------------------------------------------------------------ lookups (the page layer's view of a segment)

    /**
     * The page (or free span) covering {@code address} of {@code segment}. Every span of a segment is
     * a page ({@link #SPANS}): the cast is a type check the JIT folds to one compare.
     */
    public static Page of(Segment segment, long address) {
        return (Page) segment.spanOf(address);
    }

    /** The page (or free span) covering slice {@code slice} of {@code segment}. */
    public static Page atSlice(Segment segment, int slice) {
        return (Page) segment.cover[slice];
    }

    /** The cover array of {@code segment}, typed: a {@code Page[]} ({@link #SPANS}). */
    public static Page[] cover(Segment segment) {
        return (Page[]) segment.cover;
    }

    // ------------------------------------------------------------------ lifecycle

    /** Makes this span a page of {@code blockSize} blocks for {@code heap}; memory is committed. */
    public void init(PageOwner heap, PageKind kind, long start, long areaSize, long blockSize, int bin,
                     boolean zero) {
        this.kind = kind;
        this.start = start;
        this.blockSize = blockSize;
        this.blockInverse = kind == PageKind.SMALL || kind == PageKind.MEDIUM ? ((1L << 40) / blockSize) + 1 : 0;
        this.reserved = (int) Math.max(1, areaSize / blockSize);
        this.sizeShift = Long.numberOfTrailingZeros(blockSize);
        this.oddInverse = inverseOfOdd(blockSize >>> sizeShift);
        this.blockLimit = reserved;
        this.capacity = 0;
        this.used = 0;
        this.free = 0;
        this.localFree = 0;
        setReleaseThreadFree(NO_DELAYED_FREE);
        this.freeIsZero = zero;
        setZeroInit(zero);
        this.hasAligned = false;
        this.inFull = false; // blockLimit = reserved above
        this.retireExpire = 0;
        this.extendSmall = false;
        this.pristine = true;
        this.rewound = 0;
        this.seen = 0;
        this.carveAhead = (int) ((SizeClasses.SMALL_SIZE_MAX - blockSize) >>> 63) ^ 1; // small: 1 (no branch)
        this.bin = bin;
        this.tag = heap != null ? heap.tag() : 0;
        this.hugeReleased = 0;
        if (this instanceof EncodedPage e) {
            e.clearMode(); // a span is only made a page again after it was freed (guard lifted)
            this.carveAhead = 0; // encoded links: the carved blocks are not in address order
        }
        this.next = null;
        this.prev = null;
        setInUse(true);
        setVolatileHeap(heap);
    }

    /**
     * Empties the page in place: every block is free again, carved anew on demand (heap destroy,
     * after {@link #seal}: threadFree is left sealed).
     */
    public void reset() {
        capacity = 0;
        used = 0;
        free = 0;
        localFree = 0; // threadFree stays sealed (see LocalHeap.destroy)
        freeIsZero = false;
        setZeroInit(false);
        hasAligned = false;
        retireExpire = 0;
        extendSmall = true; // a short-lived arena heap often takes one block: do not carve 4 KiB for it
        pristine = true;
        carveAhead = 0;
        if (this instanceof EncodedPage e) {
            e.emptied(); // blockLimit = capacity = 0, no block states, no broken link
        }
    }

    /**
     * Empties a page whose blocks were only ever allocated (pristine, nothing on localFree or
     * threadFree) by relinking just the {@code used} blocks handed out: far cheaper than
     * {@link #reset} and carving again when a short-lived heap took a few blocks.
     *
     * @return false when the page is not in that state (use {@link #reset})
     */
    public boolean rewind() {
        int n = used;
        if (!pristine || localFree != 0 || threadFreeHead() != 0
                || free != (n < capacity ? start + (long) n * blockSize : 0)) {
            return false;
        }
        long block = start;
        for (int i = 1; i < n; i++) {
            long next = block + blockSize;
            Mem.store(block, next);
            block = next;
        }
        if (n > 0) {
            Mem.store(block, free);
        }
        free = start;
        rewound += n;
        used = 0;
        carveAhead = 0;
        freeIsZero = false;
        hasAligned = false;
        retireExpire = 0;
        return true;
    }

    /**
     * The live blocks the statistics' gauges count for this page: {@code used}, and on a small page
     * made fresh that only ever handed out blocks in address order (pristine, plain links) also the
     * carved blocks the fast path has not handed out yet: the fast path takes them without telling the
     * gauges, so they are counted when carved (an upper bound by less than one batch until the next
     * look, exact once they are taken).
     * Owner thread. C2 shape: no branch, the carved part is weighed by 0 or 1 ({@code carveAhead},
     * {@code u > 0}, {@code free != 0}), so no test compiled on pristine pages traps (PageShapeTest).
     */
    public int accountedBlocks() {
        int u = used;
        long f = free;
        int on = carveAhead & (-u >>> 31) & (int) (-f >>> 63); // addresses are positive
        return u + on * (capacity - (int) blockIndexOf(f)); // blockIndexOf(0) is weighed by 0
    }

    /** Blocks given back by rewinds so far (racy read for snapshots). */
    public long rewound() {
        return rewound;
    }

    /** Blocks given back by rewinds, now counted elsewhere: the page forgets them. */
    long takeRewound() {
        long n = rewound;
        rewound = 0;
        return n;
    }

    /** The heap that owns the page (the heap package's {@code LocalHeap}), or null (abandoned, stuck); a volatile read. */
    public PageOwner getVolatileHeap() {
        return heap;
    }

    /** Sets the owning heap with volatile semantics (a page taken, abandoned, reclaimed or freed). */
    public void setVolatileHeap(PageOwner heap) {
        this.heap = heap;
    }

    /** The blocks the page's area holds. */
    public int reserved() {
        return reserved;
    }

    /** True when some block was handed out at an interior (aligned) address: interior frees are allowed. */
    public boolean hasAligned() {
        return hasAligned;
    }

    /** A block of this page was handed out at an interior (aligned) address (owner thread). */
    public void markAligned() {
        hasAligned = true;
    }

    /** No block handed out at an interior address is live any more: the page's blocks are all free (owner thread). */
    public void clearAligned() {
        hasAligned = false;
    }

    /** Total bytes of the page's block area. */
    public long areaSize() {
        return (long) reserved * blockSize;
    }

    // ------------------------------------------------------------------ block arithmetic

    /** The index of the block containing {@code address} (which lies in this page). */
    public long blockIndexOf(long address) {
        long offset = address - start;
        return blockInverse != 0 ? (offset * blockInverse) >>> 40 : offset / blockSize;
    }

    /** True while the page is in its heap's full queue. */
    public boolean inFull() {
        return inFull;
    }

    /**
     * Moves the page into or out of the full queue's bookkeeping. A page in the full queue fails
     * {@link #isBlockStart} like a free span does, so that the owner's free fast path needs no
     * {@code inFull} test: the first free into a full page takes the slow path, which takes the page
     * out of the full queue (and restores the limit) before freeing.
     */
    public void setInFull(boolean full) {
        inFull = full;
        blockLimit = full ? 0 : openLimit();
    }

    /** {@link #blockLimit} outside the full queue. */
    private int openLimit() {
        return this instanceof EncodedPage ? capacity : reserved;
    }

    /**
     * True when {@code address} is the start of one of the page's {@code reserved} blocks, and false
     * for any other address, and always for a free span or a page in the full queue: one multiplication and one rotation
     * instead of a division. With {@code blockSize = odd * 2^k}, {@code offset * odd^-1} rotated
     * right by {@code k} is {@code offset / blockSize} for exact multiples, and for every other
     * offset (negative ones included) a value above {@code 2^(64-k) / odd}, far beyond any block
     * count (the divisibility test of Granlund and Montgomery).
     */
    public boolean isBlockStart(long address) {
        return Long.compareUnsigned(Long.rotateRight((address - start) * oddInverse, sizeShift), blockLimit) < 0;
    }

    /**
     * The guard page (SECURE) this page has, or that its span kept when it was freed with it (see
     * {@code SegmentSpace}); 0 when there is none.
     */
    @Override
    public long guardPage() {
        return this instanceof EncodedPage e ? e.guard() : 0;
    }

    /** True while the page has a guard page to lift before its span is freed (its own or a stuck one). */
    boolean hasGuards() {
        return this instanceof EncodedPage e && e.hasGuardsLeft();
    }

    /**
     * Marks this page a free span that keeps its guard page, for a page of the same size to take
     * over (the guard is lifted by {@link #markFree} when the span is given back for good).
     */
    @Override
    protected void markFreeKeepingGuard() {
        setInUse(false);
        blockLimit = 0;
        dropShadow();
        kind = null;
        setVolatileHeap(null);
    }

    /** A SECURE page's span (not a huge one: its segment goes back whole) is kept with its guard when freed. */
    @Override
    protected boolean keepsGuardWhenFreed() {
        return guardPage() != 0 && kind != PageKind.HUGE;
    }

    /**
     * Marks this span free: {@link #isBlockStart} fails for every address from now on. A page with
     * a guard page has it lifted first ({@link #liftGuard}): whatever path frees a span, its guard
     * goes with it.
     */
    @Override
    public void markFree() {
        setInUse(false);
        blockLimit = 0;
        dropShadow();
        kind = null;
        setVolatileHeap(null);
    }

    /**
     * Lifts the guard page of this page or span (SECURE), before its span is freed.
     *
     * @return null when there is none left, else why the OS would not lift it (not reported yet):
     *         then the span must stay out of use ({@link #makeStuck})
     */
    @Override
    public String liftGuard() {
        return this instanceof EncodedPage e ? e.liftGuards() : null;
    }

    /**
     * The OS would not lift this span's guard page: the span stays out of use as a page of no
     * blocks and no heap ({@link #isStuck}), still counted in its segment, until a later
     * {@link #liftGuard} succeeds; {@code failure} is reported now (the handler may throw: the
     * span is set aside first).
     */
    @Override
    public void makeStuck(String failure) {
        setInUse(true);
        kind = null;
        setVolatileHeap(null);
        used = 0;
        capacity = 0;
        reserved = 0;
        free = 0;
        localFree = 0;
        setReleaseThreadFree(SEALED | USE_DELAYED_FREE); // no remote free may land here (see seal)
        blockLimit = 0;
        inFull = false;
        retireExpire = 0;
        dropShadow();
        rewound = 0;
        next = null;
        prev = null;
        ((EncodedPage) this).reportStuck(failure); // only a page with a guard page (encoded) is made stuck
    }

    /** CHECKED's block states go with the page (Java memory; see {@code BlockShadow}). */
    private void dropShadow() {
        if (this instanceof EncodedPage e) {
            e.setShadow(null);
        }
    }

    /** A span kept out of use because its guard page could not be lifted (see {@link #makeStuck}). */
    @Override
    public boolean isStuck() {
        return inUse() && kind == null;
    }

    /** The inverse of an odd number modulo 2^64 (Newton's iteration doubles the correct bits each round). */
    static long inverseOfOdd(long odd) {
        long x = odd; // correct to 3 bits: odd * odd == 1 (mod 8)
        for (int i = 0; i < 5; i++) {
            x *= 2 - odd * x;
        }
        return x;
    }

    /** The start of the block containing {@code address}. */
    public long blockStartOf(long address) {
        return start + blockIndexOf(address) * blockSize;
    }

    /** True when {@code address} lies in the block area of this page. */
    public boolean holds(long address) {
        return address >= start && address - start < areaSize();
    }

    // ------------------------------------------------------------------ free list growth

    /** True when a block can be had without collecting: the free list has one or capacity can grow. */
    public boolean canExtend() {
        return capacity < reserved;
    }

    /**
     * Carves the next few blocks (about 4 KiB, at least 4 blocks) onto the free list.
     *
     * <p>C2 shape: one {@code Mem.store} call site for the links and the last block's link to the old
     * free list: each site inlines the whole memory-segment access (some 30 JDK methods), and this
     * method is inlined into the page search's compiled code (PageShapeTest).
     */
    public void extend() {
        if (this instanceof EncodedPage e) {
            EncodedLists.extend(e);
            return;
        }
        int room = reserved - capacity;
        if (room <= 0) {
            return;
        }
        long maxExtend = blockSize >= Layout.MAX_EXTEND_BYTES ? Layout.MIN_EXTEND_BLOCKS
                : Math.max(Layout.MIN_EXTEND_BLOCKS, Layout.MAX_EXTEND_BYTES / blockSize);
        if (extendSmall) {
            extendSmall = false;
            maxExtend = Layout.MIN_EXTEND_BLOCKS;
        }
        int extend = (int) Math.min(room, maxExtend);
        long first = start + (long) capacity * blockSize;
        long last = first + (long) (extend - 1) * blockSize;
        for (long block = first; ; block += blockSize) {
            Mem.store(block, block == last ? free : block + blockSize);
            if (block == last) {
                break;
            }
        }
        if (free != 0) {
            pristine = false; // new blocks in front of old ones: no longer in address order
            carveAhead = 0;
        }
        freeIsZero = free == 0 ? isZeroInit() : freeIsZero && isZeroInit();
        free = first;
        capacity += extend;
    }

    // ------------------------------------------------------------------ collecting frees

    /**
     * Moves the frees of other threads and of the owner onto {@code free} (mimalloc's
     * {@code _mi_page_free_collect}): only when {@code free} is empty unless {@code force}.
     * Callers pass a constant: this only picks {@link #collectEmpty} or {@link #collectForced}, so
     * the compiled code of each keeps its own branch profile.
     *
     * @return the number of remote frees taken from threadFree (see {@link #collectThreadFree})
     */
    int collect(boolean force) {
        return force ? collectForced() : collectEmpty();
    }

    /**
     * The page search's collect: when {@code free} is empty, the frees of other threads and then
     * the owner's become the free list; otherwise nothing changes.
     *
     * @return the number of remote frees taken from threadFree (see {@link #collectThreadFree})
     */
    public int collectEmpty() {
        if (this instanceof EncodedPage e) {
            return EncodedLists.collect(e, false);
        }
        if (free != 0) {
            return 0;
        }
        int remote = collectThreadFree();
        if (localFree != 0) {
            takeLocalFree();
        }
        return remote;
    }

    /**
     * The forced collect (a heap's collection, a visit, abandoning): every frees of other threads
     * and of the owner go onto {@code free}, appended when it is not empty.
     *
     * @return the number of remote frees taken from threadFree (see {@link #collectThreadFree})
     */
    public int collectForced() {
        if (this instanceof EncodedPage e) {
            return EncodedLists.collect(e, true);
        }
        int remote = collectThreadFree();
        if (localFree != 0) {
            if (free == 0) {
                takeLocalFree();
            } else {
                long tail = free;
                long next;
                while ((next = Mem.load(tail)) != 0) {
                    tail = next;
                }
                Mem.store(tail, localFree);
                localFree = 0;
                freeIsZero = false;
                pristine = false;
                carveAhead = 0;
            }
        }
        return remote;
    }

    /**
     * The owner's frees become the free list of a page whose free list ran dry: {@link #collect}'s
     * step for an empty {@code free}, and on its own the heap's refill (no thread-free list is
     * looked at). Plain and encoded links alike: the list moves as it is. Owner thread; the caller
     * checked that {@code free} is empty.
     */
    public void takeLocalFree() {
        free = localFree;
        localFree = 0;
        freeIsZero = false;
        pristine = false;
        carveAhead = 0;
    }

    /**
     * Takes the threadFree list onto localFree; {@code used} drops by its length.
     *
     * @return the number of blocks taken (the freeing threads already counted them as freed)
     */
    public int collectThreadFree() {
        if (this instanceof EncodedPage e) {
            return EncodedLists.collectThreadFree(e);
        }
        long tf;
        do {
            tf = getAcquireThreadFree();
            if ((tf & HEAD_MASK) == 0) {
                return 0;
            }
        } while (!casThreadFree(tf, tf & ~HEAD_MASK));
        return takeThreadFree(tf & HEAD_MASK);
    }

    /** Puts the thread-free list from {@code head} (taken off the page) on localFree; {@code used} drops by its length. */
    private int takeThreadFree(long head) {
        long tail = head;
        int count = 1;
        long next;
        while ((next = Mem.load(tail)) != 0) {
            if (++count > capacity || !holds(next)) {
                // Dropped (already swapped out): its blocks stay counted as used, the page stays sound.
                throw new FreeListCorruption(this, "the thread-free list of the page at 0x" + Long.toHexString(start)
                        + (count > capacity ? " is longer than the page" : " links to 0x" + Long.toHexString(next)
                        + " outside the page"));
            }
            tail = next;
        }
        Mem.store(tail, localFree);
        localFree = head;
        used -= count;
        return count;
    }

    /** True when the page has no live blocks (after collecting). */
    public boolean allFree() {
        return used == 0;
    }

    // ------------------------------------------------------------------ remote frees

    /**
     * Frees a block of another thread's page (mimalloc's {@code _mi_free_block_mt}): pushes it on
     * {@code threadFree}, or, when the page is in the full queue, on the owner heap's delayed list.
     *
     * @return false when the page's heap was destroyed ({@link #seal}): nothing changed
     */
    public boolean freeRemote(long block) {
        long tf;
        long next;
        boolean useDelayed;
        do {
            tf = getVolatileThreadFree();
            useDelayed = (tf & STATE_MASK) == USE_DELAYED_FREE;
            if (useDelayed) {
                if ((tf & SEALED) != 0) {
                    return false;
                }
                next = (tf & ~STATE_MASK) | DELAYED_FREEING;
            } else {
                Mem.store(block, tf & ~STATE_MASK);
                next = block | (tf & STATE_MASK);
            }
        } while (!casThreadFree(tf, next));
        if (useDelayed) {
            PageOwner owner = heap;
            if (owner != null) {
                owner.casPushDelayedFree(block);
            }
            do {
                tf = getVolatileThreadFree();
            } while (!casThreadFree(tf, (tf & ~STATE_MASK) | NO_DELAYED_FREE));
        }
        return true;
    }

    /**
     * The page's heap is being destroyed (owner thread): takes the thread-free list as
     * {@link #collectThreadFree} does and, in the same atomic step, seals the page, so that every
     * remote free either came before (on the list taken here) or is refused ({@link #freeRemote}
     * returns false). Waits out a remote free pushing on the heap's delayed list. The seal stays
     * until the page is made again ({@link #init}) or its pooled heap is taken again ({@link #unseal}).
     *
     * @return the number of blocks taken (the freeing threads already counted them as freed)
     */
    public int seal() {
        long tf;
        while (true) {
            tf = getAcquireThreadFree();
            if ((tf & STATE_MASK) == DELAYED_FREEING) {
                Thread.onSpinWait();
                Thread.yield();
            } else if (casThreadFree(tf, SEALED | USE_DELAYED_FREE)) {
                break;
            }
        }
        long head = tf & HEAD_MASK;
        if (head == 0) {
            return 0;
        }
        return this instanceof EncodedPage e ? EncodedLists.takeThreadFree(e, head) : takeThreadFree(head);
    }

    /** A sealed page serves blocks again ({@link #seal}; owner thread, no remote free can reach it before). */
    public void unseal() {
        setReleaseThreadFree(NO_DELAYED_FREE);
    }

    /** True while the page is sealed ({@link #seal}). */
    public boolean isSealed() {
        return (getAcquireThreadFree() & SEALED) != 0;
    }

    /**
     * Sets the delayed-free state, waiting out a concurrent {@link #DELAYED_FREEING}; leaves
     * {@link #NEVER_DELAYED_FREE} alone unless {@code overrideNever}.
     */
    public void useDelayedFree(int state, boolean overrideNever) {
        while (true) {
            long tf = getAcquireThreadFree();
            int old = (int) (tf & STATE_MASK);
            if ((tf & SEALED) != 0) {
                return; // a page of a destroyed heap: no remote free reaches it
            }
            if (old == DELAYED_FREEING) {
                Thread.onSpinWait();
                Thread.yield();
                continue;
            }
            if (old == state || (!overrideNever && old == NEVER_DELAYED_FREE)) {
                return;
            }
            if (casThreadFree(tf, (tf & ~STATE_MASK) | state)) {
                return;
            }
        }
    }

    // The thread-free word: every access says its memory ordering (remote frees publish the block's
    // link with the CAS; the owner takes the list with an acquire read and a CAS).

    /** The thread-free word (list head | seal | delayed state), read with acquire semantics. */
    long getAcquireThreadFree() {
        return (long) THREAD_FREE.getAcquire(this);
    }

    /** The thread-free word, read with volatile semantics (before a CAS of a remote free). */
    long getVolatileThreadFree() {
        return (long) THREAD_FREE.getVolatile(this);
    }

    /** Weak (may fail spuriously: callers loop) volatile CAS of the thread-free word. */
    boolean casThreadFree(long expected, long value) {
        return THREAD_FREE.weakCompareAndSet(this, expected, value);
    }

    /** Sets the thread-free word with release semantics (a page made, emptied or sealed). */
    private void setReleaseThreadFree(long value) {
        THREAD_FREE.setRelease(this, value);
    }

    /** The current delayed-free state. */
    int delayedState() {
        return (int) (getAcquireThreadFree() & STATE_MASK);
    }

    /** The head of the threadFree list (for checks and visits). */
    public long threadFreeHead() {
        return getAcquireThreadFree() & HEAD_MASK;
    }

    // ------------------------------------------------------------------ links (encoded on CHECKED and SECURE pages)

    /** The mode state of a page of a CHECKED or SECURE instance, or null (FAST). */
    public PageMode mode() {
        return this instanceof EncodedPage e ? e.mode : null;
    }

    /** True when the links of this page are encoded (a page of a CHECKED or SECURE instance). */
    boolean isEncoded() {
        return this instanceof EncodedPage;
    }

    /*
     * The link methods below stay small enough for the first-tier compiler to inline them, as a short
     * program runs much of its start in that tier's code (PageShapeTest).
     */

    /**
     * The block after {@code block} on a list being popped: plain on FAST pages; on encoded pages
     * decoded and verified, and a broken link drops the rest of the list (see
     * {@link EncodedPage#popEncoded}).
     */
    public long popNext(long block) {
        return this instanceof EncodedPage e ? e.popEncoded(block) : Mem.load(block);
    }

    /**
     * The block after {@code block} on a list being walked (slow paths).
     *
     * @throws FreeListCorruption on an encoded page when the link is not a carved block of this page
     */
    public long nextFree(long block) {
        return this instanceof EncodedPage e ? EncodedLists.next(e, block) : Mem.load(block);
    }

    /** True when {@code next} may be a link: 0, or the start of a carved block of this page. */
    boolean isValidLink(long next) {
        return next == 0 || isCarvedBlock(next);
    }

    /**
     * True when {@code address} is the start of a carved block (below {@code capacity}), whatever
     * queue the page is in (unlike {@link #isBlockStart}, which fails for full pages). Slow paths.
     */
    public boolean isCarvedBlock(long address) {
        // As isBlockStart (the rotation is the block index exactly for block starts, and huge otherwise).
        return Long.compareUnsigned(Long.rotateRight((address - start) * oddInverse, sizeShift), capacity) < 0;
    }

    /** Shrinks the page to its first {@code blocks} blocks (a guard page takes the end of its area). */
    public void limitBlocks(int blocks) {
        reserved = blocks;
        blockLimit = inFull ? 0 : openLimit();
    }

    // ------------------------------------------------------------------ huge pages

    /** Claims the right to release a huge page's segment; true for exactly one caller. */
    public boolean casHugeReleased() {
        return HUGE_RELEASED.compareAndSet(this, 0, 1); // volatile CAS: exactly one winner
    }

    public boolean getAcquireHugeReleased() {
        return (int) HUGE_RELEASED.getAcquire(this) != 0;
    }

    // ------------------------------------------------------------------ checks

    /** Length of a free list, stopping (and failing) beyond capacity. */
    public int listLength(long head) {
        if (this instanceof EncodedPage e) {
            return EncodedLists.listLength(e, head);
        }
        int n = 0;
        for (long b = head; b != 0; b = Mem.load(b)) {
            if (!holds(b) || ++n > capacity) {
                throw new IllegalStateException("free list of page at 0x" + Long.toHexString(start)
                        + " is corrupt at 0x" + Long.toHexString(b));
            }
        }
        return n;
    }

    /**
     * Verifies, by walking the lists, that every carved block is exactly once live or on a list:
     * {@code live + |threadFree| + |free| + |localFree| == capacity} where {@code live = used - |threadFree|}
     * ({@code used} still counts remote frees until they are collected, as in mimalloc). Owner
     * thread, no concurrent frees into this page.
     */
    public void checkInvariants() {
        int f = listLength(free);
        int lf = listLength(localFree);
        int tf = listLength(threadFreeHead());
        int live = used - tf;
        if (live < 0 || live + tf + f + lf != capacity) {
            throw new IllegalStateException("page at 0x" + Long.toHexString(start) + ": live " + live
                    + " + threadFree " + tf + " + free " + f + " + localFree " + lf + " != capacity " + capacity);
        }
        if (capacity > reserved) {
            throw new IllegalStateException("capacity " + capacity + " > reserved " + reserved);
        }
    }

    @Override
    public String toString() {
        return inUse() ? "Page[" + kind + " 0x" + Long.toHexString(start) + " bs=" + blockSize + " used=" + used
                + "/" + capacity + "/" + reserved + "]"
                : "Span[slice " + sliceIndex + " +" + sliceCount() + "]";
    }
}
