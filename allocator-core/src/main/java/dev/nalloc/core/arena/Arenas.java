package dev.nalloc.core.arena;

import dev.nalloc.core.os.OsMemory;
import dev.nalloc.spi.OsPrimitives;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The arenas of one allocator instance (mimalloc's {@code arena.c}): segments are claimed from
 * existing arenas without locks; a new arena of {@code arena_reserve} bytes is reserved (under a
 * lock, rarely) when none has room.
 */
public final class Arenas {

    /** At most this many arenas per instance. */
    public static final int MAX_ARENAS = 112;

    private final OsMemory os;
    private final long reserveSize;
    private final long eagerCommit;
    private final MemoryArena[] arenas = new MemoryArena[MAX_ARENAS];
    private final AtomicInteger count = new AtomicInteger();

    /**
     * @param reserveSize  bytes per new arena (option {@code arena_reserve})
     * @param eagerCommit  option {@code arena_eager_commit}: 0 no, 1 yes, 2 where the OS overcommits
     */
    public Arenas(OsMemory os, long reserveSize, long eagerCommit) {
        this.os = os;
        this.reserveSize = Math.max(MemoryArena.BLOCK_SIZE,
                (reserveSize + MemoryArena.BLOCK_SIZE - 1) & -MemoryArena.BLOCK_SIZE);
        this.eagerCommit = eagerCommit;
    }

    /**
     * Claims {@code blocks} consecutive arena blocks.
     *
     * @param commit     commit them (when not already)
     * @param mayReserve a new arena may be reserved when the existing ones are full
     * @return the memory, or null
     */
    public MemoryBlock allocate(int blocks, boolean commit, boolean mayReserve) {
        int n = count.get();
        MemoryBlock b = tryArenas(0, n, blocks, commit);
        if (b != null || !mayReserve) {
            return b;
        }
        synchronized (this) {
            int now = count.get();
            b = tryArenas(n, now, blocks, commit);
            if (b != null || now == MAX_ARENAS) {
                return b;
            }
            long size = Math.max(reserveSize, blocks * MemoryArena.BLOCK_SIZE);
            boolean eager = eagerCommit == 1 || (eagerCommit == 2 && os.hasOvercommit());
            OsPrimitives.Allocation a = os.reserve(size, MemoryArena.BLOCK_SIZE, eager);
            if (a == null) {
                return null;
            }
            MemoryArena arena = new MemoryArena(os, a.address(), size, eager);
            arenas[now] = arena;
            count.set(now + 1); // publishes the arena
            return arena.allocate(blocks, commit);
        }
    }

    /**
     * Reserves an arena of {@code size} bytes now (option {@code reserve_os_memory}).
     *
     * @return true when reserved
     */
    public synchronized boolean reserve(long size) {
        int now = count.get();
        if (now == MAX_ARENAS) {
            return false;
        }
        long rounded = Math.max(MemoryArena.BLOCK_SIZE, (size + MemoryArena.BLOCK_SIZE - 1) & -MemoryArena.BLOCK_SIZE);
        boolean eager = eagerCommit == 1 || (eagerCommit == 2 && os.hasOvercommit());
        OsPrimitives.Allocation a = os.reserve(rounded, MemoryArena.BLOCK_SIZE, eager);
        if (a == null) {
            return false;
        }
        arenas[now] = new MemoryArena(os, a.address(), rounded, eager);
        count.set(now + 1);
        return true;
    }

    /** Bytes per arena reserved on demand. */
    public long reserveSize() {
        return reserveSize;
    }

    private MemoryBlock tryArenas(int from, int to, int blocks, boolean commit) {
        for (int i = from; i < to; i++) {
            MemoryBlock b = arenas[i].allocate(blocks, commit);
            if (b != null) {
                return b;
            }
        }
        return null;
    }

    /** Purges the freed blocks of every arena; returns blocks purged. */
    public int purge(boolean decommit) {
        int purged = 0;
        for (int i = 0, n = count.get(); i < n; i++) {
            purged += arenas[i].purge(decommit);
        }
        return purged;
    }

    public int count() {
        return count.get();
    }

    /** Arena {@code i} ({@code 0 <= i < count()}). */
    public MemoryArena arena(int i) {
        return arenas[i];
    }

    /** Bytes reserved by all arenas. */
    public long reservedBytes() {
        long s = 0;
        for (int i = 0, n = count.get(); i < n; i++) {
            s += arenas[i].size();
        }
        return s;
    }

    /** Gives every arena back to the OS (the instance is closing: nothing may use them afterwards). */
    public synchronized void releaseAll() {
        for (int i = 0, n = count.get(); i < n; i++) {
            arenas[i].release();
            arenas[i] = null;
        }
        count.set(0);
    }
}
