package dev.nalloc.core.arena;

import dev.nalloc.core.os.OsMemory;
import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.PurgePolicy;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The arenas of one allocator instance (mimalloc's {@code arena.c}): segments are claimed from
 * existing arenas without locks; a new arena of {@code arena_reserve} bytes is reserved (under a
 * lock, rarely) when none has room. The choice prefers arenas on the calling thread's NUMA node,
 * skips exclusive arenas unless a heap bound to one asks for it, and purges freed blocks when their
 * deadline ({@code purge_delay × arena_purge_mult}) has passed.
 */
public final class Arenas {

    /** At most this many arenas per instance. */
    public static final int MAX_ARENAS = 112;

    private static final AtomicInteger NEXT_ID = new AtomicInteger(1);

    private final OsMemory os;
    private volatile long reserveSize;
    private final long eagerCommit;
    private final PurgePolicy purgePolicy;
    private final boolean allowLarge;
    private final MemoryArena[] arenas = new MemoryArena[MAX_ARENAS];
    private final AtomicInteger count = new AtomicInteger();
    /** SECURE: blocks are claimed from a random place in each arena (mimalloc's randomized arena placement). */
    private volatile boolean randomPlacement;

    /**
     * @param reserveSize  bytes per new arena (option {@code arena_reserve})
     * @param eagerCommit  option {@code arena_eager_commit}: 0 no, 1 yes, 2 where the OS overcommits
     * @param purgePolicy  when freed blocks are purged and how
     * @param allowLarge   new arenas may use large OS pages (option {@code allow_large_os_pages})
     */
    public Arenas(OsMemory os, long reserveSize, long eagerCommit, PurgePolicy purgePolicy, boolean allowLarge) {
        this.os = os;
        this.reserveSize = roundUp(reserveSize);
        this.eagerCommit = eagerCommit;
        this.purgePolicy = purgePolicy;
        this.allowLarge = allowLarge;
    }

    private static long roundUp(long size) {
        return Math.max(MemoryArena.BLOCK_SIZE, (size + MemoryArena.BLOCK_SIZE - 1) & -MemoryArena.BLOCK_SIZE);
    }

    /** Whether new arenas are committed when reserved (option {@code arena_eager_commit}). */
    boolean eagerCommit() {
        return eagerCommit == 1 || (eagerCommit == 2 && os.hasOvercommit());
    }

    public PurgePolicy purgePolicy() {
        return purgePolicy;
    }

    /**
     * Claims {@code blocks} consecutive blocks of a shared (not exclusive) arena, first of one on
     * {@code numaNode} (or on any node), then of the others.
     *
     * @param commit     commit them (when not already)
     * @param mayReserve a new arena may be reserved when the existing ones are full
     * @param numaNode   the calling thread's NUMA node, or -1 when NUMA does not matter
     * @return the memory, or null; {@link MemoryBlock#COMMIT_FAILED} when a claim's commit failed (no
     *         new arena is reserved then: it would need a commit too)
     */
    public MemoryBlock allocate(int blocks, boolean commit, boolean mayReserve, int numaNode) {
        int n = count.get();
        MemoryBlock b = tryArenas(0, n, blocks, commit, numaNode);
        if (b != null || !mayReserve) {
            return b;
        }
        synchronized (this) {
            int now = count.get();
            b = tryArenas(n, now, blocks, commit, numaNode);
            if (b != null || now == MAX_ARENAS) {
                return b;
            }
            MemoryArena arena = reserveArena(Math.max(reserveSize, blocks * MemoryArena.BLOCK_SIZE), eagerCommit(), false);
            return arena == null ? null : claim(arena, blocks, commit);
        }
    }

    /** As {@link #allocate(int, boolean, boolean, int)} with no NUMA preference. */
    MemoryBlock allocate(int blocks, boolean commit, boolean mayReserve) {
        return allocate(blocks, commit, mayReserve, -1);
    }

    /** Claims blocks of exactly this arena (a heap bound to it), or null when it has no room. */
    public MemoryBlock allocateIn(MemoryArena arena, int blocks, boolean commit) {
        return arena.allocate(blocks, commit);
    }

    /**
     * Reserves an arena of {@code size} bytes now (option {@code reserve_os_memory},
     * {@code Allocator.reserveOsMemory}).
     *
     * @return the arena, or null when the OS had no memory or no arena slot is left
     */
    public synchronized MemoryArena reserve(long size, boolean commit, boolean exclusive) {
        return reserveArena(roundUp(size), commit, exclusive);
    }

    private MemoryArena reserveArena(long size, boolean commit, boolean exclusive) {
        int now = count.get();
        if (now == MAX_ARENAS) {
            return null;
        }
        OsPrimitives.Allocation a = os.reserve(size, MemoryArena.BLOCK_SIZE, commit, allowLarge);
        if (a == null) {
            return null;
        }
        // Large OS pages come committed and cannot be decommitted: the arena is pinned.
        MemoryArena arena = new MemoryArena(os, NEXT_ID.getAndIncrement(), a.address(), size,
                commit || a.large(), true, exclusive, -1, a.large(), false);
        add(arena);
        return arena;
    }

    /**
     * Adds memory that is already mapped as an arena: huge OS pages reserved at start, or memory
     * the user mapped ({@code Allocator.manageOsMemory}). Its bytes are counted as reserved (and
     * committed when {@code committed}) from now on.
     *
     * @return the arena, or null when no arena slot is left
     */
    public synchronized MemoryArena adopt(long address, long size, boolean committed, boolean zero, boolean exclusive,
                                          int numaNode, boolean pinned, boolean external) {
        if (count.get() == MAX_ARENAS) {
            return null;
        }
        MemoryArena arena = new MemoryArena(os, NEXT_ID.getAndIncrement(), address, size, committed, zero,
                exclusive, numaNode, pinned, external);
        if (external) {
            os.adopt(size, committed ? size : 0);
        }
        add(arena);
        return arena;
    }

    /** The arena overlapping {@code [address, address + size)}, or null. */
    public MemoryArena overlapping(long address, long size) {
        for (int i = 0, n = count.get(); i < n; i++) {
            if (arenas[i].overlaps(address, size)) {
                return arenas[i];
            }
        }
        return null;
    }

    /** The arena with this id, or null. */
    public MemoryArena byId(int id) {
        for (int i = 0, n = count.get(); i < n; i++) {
            if (arenas[i].id() == id && id != 0) {
                return arenas[i];
            }
        }
        return null;
    }

    private void add(MemoryArena arena) {
        if (closed) { // reserved while the instance closed, after retireAll (both hold this lock)
            arena.retire();
            throw new IllegalStateException("nalloc: the allocator is closed");
        }
        int now = count.get();
        arenas[now] = arena;
        count.set(now + 1); // publishes the arena
        os.stats().arenaReserved(arena.base(), arena.size(), arena.committedBytes() == arena.size());
    }

    /** From now on, segments are placed at random free positions of the arenas (SECURE mode). */
    public void randomizePlacement() {
        randomPlacement = true;
    }

    /**
     * Claims blocks of {@code arena}: first fit from its start, or (SECURE's random placement) first
     * fit from a block drawn at random once per arena. So segment addresses cannot be predicted,
     * while memory freed is still reused first, as in FAST (a new random start per claim would
     * scatter segments over the arena and fault fresh memory in for each).
     */
    private MemoryBlock claim(MemoryArena arena, int blocks, boolean commit) {
        return randomPlacement ? arena.allocate(blocks, commit, arena.randomStart()) : arena.allocate(blocks, commit);
    }

    /** Bytes per arena reserved on demand. */
    /** Option {@code arena_reserve} changed at run time: arenas reserved from now on have this size. */
    public void reserveSize(long bytes) {
        this.reserveSize = roundUp(bytes);
    }

    public long reserveSize() {
        return reserveSize;
    }

    private MemoryBlock tryArenas(int from, int to, int blocks, boolean commit, int numaNode) {
        // First the arenas on the thread's node (or on no particular node), then the rest.
        for (int pass = 0; pass < (numaNode < 0 ? 1 : 2); pass++) {
            for (int i = from; i < to; i++) {
                MemoryArena a = arenas[i];
                if (a.exclusive()) {
                    continue;
                }
                boolean local = numaNode < 0 || a.numaNode() < 0 || a.numaNode() == numaNode;
                if (local != (pass == 0)) {
                    continue;
                }
                MemoryBlock b = claim(a, blocks, commit);
                if (b != null) {
                    return b; // COMMIT_FAILED included: the OS refuses commits, other arenas would too
                }
            }
        }
        return null;
    }

    /**
     * Purges the freed blocks of the arenas whose deadline has passed, or of all with {@code force}.
     *
     * @return blocks purged
     */
    public int tryPurge(boolean force) {
        int n = count.get();
        if (n == 0) {
            return 0;
        }
        long now = os.now();
        boolean decommit = purgePolicy.decommits();
        int purged = 0;
        for (int i = 0; i < n; i++) {
            purged += arenas[i].tryPurge(now, force, decommit);
        }
        return purged;
    }

    /** Purges the freed blocks of every arena at once; returns blocks purged. */
    int purge(boolean decommit) {
        int purged = 0;
        for (int i = 0, n = count.get(); i < n; i++) {
            purged += arenas[i].purge(decommit);
        }
        return purged;
    }

    /** How many arenas there are, a volatile read: every arena below it is published (the add stores {@code count} last). */
    public int getVolatileCount() {
        return count.get();
    }

    /** The arena at {@code index} ({@code < getVolatileCount()}). */
    public MemoryArena get(int index) {
        return arenas[index];
    }

    /** Bytes reserved by all arenas. */
    long reservedBytes() {
        long s = 0;
        for (int i = 0, n = count.get(); i < n; i++) {
            s += arenas[i].size();
        }
        return s;
    }

    /** Set by {@link #retireAll}. */
    private volatile boolean closed;

    /** True once the instance closed. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Retires every arena (the instance is closing, see {@link MemoryArena#retire}). They stay in
     * the table for threads still inside a call; an arena added later is retired at once.
     */
    public synchronized void retireAll() {
        closed = true;
        for (int i = 0, n = count.get(); i < n; i++) {
            arenas[i].retire();
        }
    }
}
