package dev.nalloc.core.segment;

import dev.nalloc.core.memory.Layout;

import dev.nalloc.core.arena.Arenas;
import dev.nalloc.core.arena.MemoryArena;
import dev.nalloc.core.arena.MemoryBlock;
import dev.nalloc.core.os.Numa;
import dev.nalloc.core.os.OsMemory;
import dev.nalloc.spi.OsPrimitives;

import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the segments of one allocator instance come from and go back to: arena blocks first,
 * the OS directly when arenas are full or disallowed (options {@code disallow_arena_alloc},
 * {@code disallow_os_alloc}). Registers segments in the {@link SegmentMap} and remembers them all
 * so that closing the instance can give everything back.
 */
public final class SegmentMemory {

    private final Object allocator;
    private final SpanFactory spans;
    private final OsMemory os;
    private final Arenas arenas;
    private volatile boolean allowArena;
    private volatile boolean allowOs;
    private final Numa numa;
    private final Set<Segment> live = ConcurrentHashMap.newKeySet();
    /** Set by {@link #retireAll}: segments published after it are given back at once. */
    private volatile boolean closed;

    SegmentMemory(Object allocator, SpanFactory spans, OsMemory os, Arenas arenas, boolean allowArena,
                  boolean allowOs) {
        this(allocator, spans, os, arenas, allowArena, allowOs, null);
    }

    /**
     * @param spans makes the span objects (the page layer's pages) of this instance's segments
     * @param numa the NUMA nodes in use for arena choice, or null to ignore nodes
     */
    public SegmentMemory(Object allocator, SpanFactory spans, OsMemory os, Arenas arenas, boolean allowArena,
                         boolean allowOs, Numa numa) {
        this.spans = spans;
        this.numa = numa;
        this.allocator = allocator;
        this.os = os;
        this.arenas = arenas;
        this.allowArena = allowArena;
        this.allowOs = allowOs;
    }

    /** Option {@code disallow_arena_alloc} changed at run time (segments from now on). */
    public void allowArena(boolean allow) {
        this.allowArena = allow;
    }

    /** Option {@code disallow_os_alloc} changed at run time (segments and arenas from now on). */
    public void allowOs(boolean allow) {
        this.allowOs = allow;
    }

    public OsMemory os() {
        return os;
    }

    Arenas arenas() {
        return arenas;
    }

    /** A new ordinary segment for {@code space}, committed when asked, or null when out of memory. */
    Segment allocate(SegmentSpace space, boolean commit) {
        MemoryBlock m = obtain(Layout.SEGMENT_SIZE, Layout.SEGMENT_SIZE, commit, space.arena());
        if (m == null) {
            return null;
        }
        Segment s = new Segment(allocator, space.owner(), space, m, false, spans);
        if (m.fromArena()) {
            long[] active = m.arena().takeActive(m.blockIndex()); // memory a previous segment used, not purged since
            if (active != null) {
                s.adoptActive(active);
            }
        }
        return publish(s);
    }

    /**
     * A huge segment of at least {@code size} bytes aligned to {@code alignment} (at least the segment
     * alignment), committed, owned by {@code owner}; null when out of memory.
     */
    Segment allocateHuge(Thread owner, long size, long alignment) {
        return allocateHuge(owner, size, alignment, null);
    }

    /** As {@link #allocateHuge(Thread, long, long)}, from {@code arena} only when it is not null. */
    public Segment allocateHuge(Thread owner, long size, long alignment, MemoryArena arena) {
        MemoryBlock m = obtain(Layout.alignUp(size, Layout.SLICE_SIZE), Math.max(alignment, Layout.SEGMENT_SIZE), true, arena);
        if (m == null) {
            return null;
        }
        // The huge block is in use as a whole (not the rest of its last arena block); what earlier
        // segments left in use of these blocks leaves the arena's record: it is counted here again.
        long kept = m.fromArena() ? m.arena().takeActiveBytes(m.blockIndex(), m.blockCount()) : 0;
        Segment s = new Segment(allocator, owner, null, m, true, spans);
        s.hugeInUse = Math.min(m.size(), Layout.alignUp(size, Layout.SLICE_SIZE));
        os.stats().notInUse(kept);
        os.stats().inUse(s.hugeInUse);
        return publish(s); // the heap making the huge page counts its block in the gauges
    }

    private Segment publish(Segment s) {
        if (!SegmentMap.fits(s.base, s.size)) {
            giveBack(s);
            return null;
        }
        live.add(s);
        SegmentMap.register(s);
        // The map entry must be visible before `closed` is read (a store-load pair: no weaker order
        // will do), or a close that read `live` after the add could unregister the segment before
        // the entry landed, and then the process-wide map would keep the closed instance reachable.
        VarHandle.fullFence();
        os.stats().segmentAllocated(s.base, s.size, s.huge, s.memory.fromArena());
        if (closed) { // the instance closed meanwhile: retireAll may have seen this one or not
            SegmentMap.unregister(s); // retireAll's unregister may have come before the register above
            release(s);
            throw new IllegalStateException("nalloc: the allocator is closed");
        }
        return s;
    }

    /** True once the instance closed ({@link #retireAll}). */
    boolean isClosed() {
        return closed;
    }

    private MemoryBlock obtain(long size, long alignment, boolean commit, MemoryArena bound) {
        long blocks = (size + MemoryArena.BLOCK_SIZE - 1) / MemoryArena.BLOCK_SIZE;
        if (bound != null) { // a heap bound to an arena takes nothing else (mimalloc's req_arena_id)
            MemoryBlock b = alignment > MemoryArena.BLOCK_SIZE || blocks > Integer.MAX_VALUE ? null
                    : arenas.allocateIn(bound, (int) blocks, commit);
            return b == MemoryBlock.COMMIT_FAILED ? null : b;
        }
        if (allowArena && alignment <= MemoryArena.BLOCK_SIZE) {
            // New arenas are reserved for ordinary-sized needs only: a block larger than a quarter
            // of an arena goes straight to the OS (and back to it when freed), unless that is disallowed.
            boolean mayReserve = allowOs && blocks * MemoryArena.BLOCK_SIZE <= Math.max(MemoryArena.BLOCK_SIZE, arenas.reserveSize() / 4);
            MemoryBlock b = blocks > Integer.MAX_VALUE ? null : arenas.allocate((int) blocks, commit, mayReserve,
                    numa == null ? -1 : numa.currentNode());
            if (b != null && b != MemoryBlock.COMMIT_FAILED) {
                return b;
            }
            // A failed commit (reported): memory straight from the OS comes committed with its
            // reservation, one more try and no more.
        }
        if (!allowOs) {
            return null;
        }
        OsPrimitives.Allocation a = os.reserve(Layout.alignUp(size, Layout.SLICE_SIZE), alignment, commit);
        return a == null ? null : new MemoryBlock(a.address(), a.size(), null, 0, 0, commit, a.zero());
    }

    /** Unmaps a segment and gives its memory back (to its arena or the OS). Any thread. */
    public void release(Segment s) {
        if (!live.remove(s)) {
            return;
        }
        SegmentMap.unregister(s);
        if (s.huge) {
            os.stats().gauges.huge(s.hugeInUse, -1);
        }
        os.stats().segmentFreed(s.base, s.size, s.huge, s.memory.fromArena());
        giveBack(s);
    }

    private void giveBack(Segment s) {
        MemoryBlock m = s.memory;
        if (m.fromArena()) {
            if (s.hasResetSlices()) { // before the free: whoever claims the block next announces the reuse
                m.arena().markReset(m.blockIndex(), m.blockCount());
            }
            boolean full = s.fullyCommitted();
            if (!full) {
                os.stats().notInUse(s.activeBytes()); // the arena decommits the blocks
            }
            m.arena().free(m, full, s.committedBytes(), arenas.purgePolicy(), os.now(), s.huge ? null : s.activeMask(),
                    s.activeBytes());
            arenas.tryPurge(false); // what is due goes now (mimalloc's _mi_arena_free does the same)
        } else {
            os.stats().notInUse(s.activeBytes());
            os.release(m.address(), m.size(), s.committedBytes());
        }
    }

    /**
     * The instance closes (after {@link OsMemory#close}): every segment leaves the segment map, and
     * every reservation is retired ({@link OsMemory#retire}): contents dropped now, address space
     * freed once the instance is unreachable, so that threads still inside one of its calls touch
     * memory that is there. The Java objects stay as they are for those threads.
     */
    public void retireAll() {
        closed = true;
        for (Segment s : live.toArray(new Segment[0])) {
            if (!live.remove(s)) {
                continue; // released meanwhile by a racing call (its memory is retired there)
            }
            SegmentMap.unregister(s);
            os.stats().segmentFreed(s.base, s.size, s.huge, s.memory.fromArena());
            os.stats().notInUse(s.activeBytes());
            if (!s.memory.fromArena()) {
                os.retire(s.memory.address(), s.memory.size(), s.committedBytes());
            }
        }
        arenas.retireAll();
    }

    /**
     * Calls {@code action} on every span in use and not stuck (the pages of blocks) of every live
     * segment (any thread; for statistics).
     */
    public void forEachPageSpan(java.util.function.Consumer<Span> action) {
        for (Segment s : live) {
            s.forEachPageSpan(action);
        }
    }

    /**
     * An estimate of this instance's resident memory: the OS layer's count of resident pages in the
     * arena blocks touched since their last decommit and in the segments straight from the OS; -1
     * when the OS layer cannot tell. Any thread; a system call per range (256 MiB at most each).
     */
    public long residentBytes() {
        long sum = 0;
        for (int i = 0, n = arenas.getVolatileCount(); i < n; i++) {
            MemoryArena a = arenas.get(i);
            if (a == null) {
                break; // closing
            }
            long r = a.residentBytes();
            if (r < 0) {
                return -1;
            }
            sum += r;
        }
        for (Segment s : live) {
            if (!s.memory.fromArena()) {
                long r = os.resident(s.base, s.memory.size());
                if (r < 0) {
                    return -1;
                }
                sum += r;
            }
        }
        return sum;
    }

    long segments() {
        return os.stats().segments.current();
    }

    long hugeSegments() {
        return os.stats().hugeSegments.current();
    }
}
