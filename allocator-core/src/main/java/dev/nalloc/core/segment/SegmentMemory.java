package dev.nalloc.core.segment;

import dev.nalloc.core.arena.Arenas;
import dev.nalloc.core.arena.MemoryArena;
import dev.nalloc.core.arena.MemoryBlock;
import dev.nalloc.core.os.Numa;
import dev.nalloc.core.os.OsMemory;
import dev.nalloc.spi.OsPrimitives;

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
    private final OsMemory os;
    private final Arenas arenas;
    private final boolean allowArena;
    private final boolean allowOs;
    private final Numa numa;
    private final Set<Segment> live = ConcurrentHashMap.newKeySet();

    public SegmentMemory(Object allocator, OsMemory os, Arenas arenas, boolean allowArena, boolean allowOs) {
        this(allocator, os, arenas, allowArena, allowOs, null);
    }

    /** @param numa the NUMA nodes in use for arena choice, or null to ignore nodes */
    public SegmentMemory(Object allocator, OsMemory os, Arenas arenas, boolean allowArena, boolean allowOs, Numa numa) {
        this.numa = numa;
        this.allocator = allocator;
        this.os = os;
        this.arenas = arenas;
        this.allowArena = allowArena;
        this.allowOs = allowOs;
    }

    public OsMemory os() {
        return os;
    }

    public Arenas arenas() {
        return arenas;
    }

    /** A new ordinary segment for {@code space}, committed when asked, or null when out of memory. */
    Segment allocate(SegmentSpace space, boolean commit) {
        MemoryBlock m = obtain(Layout.SEGMENT_SIZE, Layout.SEGMENT_SIZE, commit, space.arena());
        return m == null ? null : publish(new Segment(allocator, space.owner(), space, m, false));
    }

    /**
     * A huge segment of at least {@code size} bytes aligned to {@code alignment} (at least the segment
     * alignment), committed, owned by {@code owner}; null when out of memory.
     */
    public Segment allocateHuge(Thread owner, long size, long alignment) {
        return allocateHuge(owner, size, alignment, null);
    }

    /** As {@link #allocateHuge(Thread, long, long)}, from {@code arena} only when it is not null. */
    public Segment allocateHuge(Thread owner, long size, long alignment, MemoryArena arena) {
        MemoryBlock m = obtain(Layout.alignUp(size, Layout.SLICE_SIZE), Math.max(alignment, Layout.SEGMENT_SIZE), true, arena);
        return m == null ? null : publish(new Segment(allocator, owner, null, m, true));
    }

    private Segment publish(Segment s) {
        if (!SegmentMap.fits(s.base, s.size)) {
            giveBack(s);
            return null;
        }
        live.add(s);
        SegmentMap.register(s);
        os.stats().segmentAllocated(s.base, s.size, s.huge, s.memory.fromArena());
        return s;
    }

    private MemoryBlock obtain(long size, long alignment, boolean commit, MemoryArena bound) {
        long blocks = (size + MemoryArena.BLOCK_SIZE - 1) / MemoryArena.BLOCK_SIZE;
        if (bound != null) { // a heap bound to an arena takes nothing else (mimalloc's req_arena_id)
            return alignment > MemoryArena.BLOCK_SIZE || blocks > Integer.MAX_VALUE ? null
                    : arenas.allocateIn(bound, (int) blocks, commit);
        }
        if (allowArena && alignment <= MemoryArena.BLOCK_SIZE) {
            // New arenas are reserved for ordinary-sized needs only: a block larger than a quarter
            // of an arena goes straight to the OS (and back to it when freed), unless that is disallowed.
            boolean mayReserve = allowOs && blocks * MemoryArena.BLOCK_SIZE <= Math.max(MemoryArena.BLOCK_SIZE, arenas.reserveSize() / 4);
            MemoryBlock b = blocks > Integer.MAX_VALUE ? null : arenas.allocate((int) blocks, commit, mayReserve,
                    numa == null ? -1 : numa.currentNode());
            if (b != null) {
                return b;
            }
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
        os.stats().segmentFreed(s.base, s.size, s.huge, s.memory.fromArena());
        giveBack(s);
    }

    private void giveBack(Segment s) {
        MemoryBlock m = s.memory;
        if (m.fromArena()) {
            if (s.hasResetSlices()) { // before the free: whoever claims the block next announces the reuse
                m.arena().markReset(m.blockIndex(), m.blockCount());
            }
            m.arena().free(m, s.fullyCommitted(), s.committedBytes(), arenas.purgePolicy(), os.now());
            arenas.tryPurge(false); // what is due goes now (mimalloc's _mi_arena_free does the same)
        } else {
            os.release(m.address(), m.size(), s.committedBytes());
        }
    }

    /** Gives back every segment and arena: the instance is closing. */
    public void releaseAll() {
        for (Segment s : live.toArray(new Segment[0])) {
            release(s);
        }
        arenas.releaseAll();
    }

    /** Live blocks and bytes in the pages of every segment ({@code [blocks, bytes]}); see {@link Segment#addLiveBlocks}. */
    public long[] liveBlocks() {
        long[] sums = new long[2];
        for (Segment s : live) {
            s.addLiveBlocks(sums);
        }
        return sums;
    }

    /** Calls {@code action} on every page of blocks of every live segment (any thread; for statistics). */
    public void forEachPage(java.util.function.Consumer<dev.nalloc.core.page.Page> action) {
        for (Segment s : live) {
            s.forEachPage(action);
        }
    }

    public long segments() {
        return os.stats().segments.current();
    }

    public long hugeSegments() {
        return os.stats().hugeSegments.current();
    }
}
