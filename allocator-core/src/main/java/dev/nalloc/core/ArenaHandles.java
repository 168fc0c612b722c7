package dev.nalloc.core;

import dev.nalloc.api.ArenaId;
import dev.nalloc.core.arena.MemoryArena;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.heap.ThreadData;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.segment.SegmentMap;

import java.util.Objects;

/**
 * The arena part of the API ({@code reserveOsMemory}, {@code manageOsMemory},
 * {@code newHeapInArena}; mimalloc's {@code mi_reserve_os_memory_ex}, {@code mi_manage_os_memory_ex}
 * and {@code mi_heap_new_in_arena}): argument checks, and the mapping between {@link ArenaId}s and
 * the engine's arenas.
 */
final class ArenaHandles {

    private final Engine engine;

    ArenaHandles(Engine engine) {
        this.engine = engine;
    }

    ArenaId reserve(long size, boolean commit, boolean exclusive) {
        if (size <= 0) {
            throw new IllegalArgumentException("nalloc: reserveOsMemory: size must be positive: " + size);
        }
        MemoryArena a = engine.arenas.reserve(size, commit, exclusive);
        if (a == null) {
            engine.os.endRetryWindow();
            engine.reporter.flush(); // the OS's refusal first
            throw new OutOfMemoryError("nalloc: reserveOsMemory: could not reserve " + size + " bytes of OS memory");
        }
        engine.verbose.message("nalloc: reserved an arena of " + a.size() + " bytes at 0x" + Long.toHexString(a.base())
                + (exclusive ? " (exclusive)" : ""));
        return idOf(a);
    }

    ArenaId manage(long address, long size, boolean committed, boolean zero, boolean exclusive, int numaNode) {
        String range = "[0x" + Long.toHexString(address) + ", +" + size + ")";
        if (address == 0) {
            throw new IllegalArgumentException("nalloc: manageOsMemory: the address is 0");
        }
        if (size <= 0) {
            throw new IllegalArgumentException("nalloc: manageOsMemory: size must be positive: " + size);
        }
        if (Long.compareUnsigned(address + size, address) < 0 && address + size != 0) {
            throw new IllegalArgumentException("nalloc: manageOsMemory: " + range + " wraps around the address space");
        }
        if (numaNode < -1) {
            throw new IllegalArgumentException("nalloc: manageOsMemory: NUMA node must be -1 or a node: " + numaNode);
        }
        long block = MemoryArena.BLOCK_SIZE;
        long start = Layout.alignUp(address, block);
        long end = (address + size) & -block;
        if (start == 0 || Long.compareUnsigned(end, start) <= 0 || end - start < block) {
            throw new IllegalArgumentException("nalloc: manageOsMemory: " + range
                    + " holds no 32 MiB-aligned block of 32 MiB (the arena uses whole aligned blocks only)");
        }
        if (!SegmentMap.fits(start, end - start)) {
            throw new IllegalArgumentException("nalloc: manageOsMemory: " + range + " lies above the addresses Nalloc maps");
        }
        synchronized (engine.arenas) {
            if (engine.arenas.overlapping(start, end - start) != null || overlapsSegments(start, end)) {
                throw new IllegalArgumentException("nalloc: manageOsMemory: " + range
                        + " overlaps memory a Nalloc allocator already manages");
            }
            MemoryArena a = engine.arenas.adopt(start, end - start, committed, zero, exclusive, numaNode, false, true);
            if (a == null) {
                throw new IllegalStateException("nalloc: manageOsMemory: no arena slot left (at most "
                        + dev.nalloc.core.arena.Arenas.MAX_ARENAS + " arenas)");
            }
            engine.verbose.message("nalloc: managing " + a.size() + " bytes at 0x" + Long.toHexString(a.base())
                    + " as an arena" + (exclusive ? " (exclusive)" : ""));
            return idOf(a);
        }
    }

    /** True when a segment of any instance lies in {@code [start, end)} (32 MiB chunks). */
    private static boolean overlapsSegments(long start, long end) {
        for (long p = start; p != end; p += MemoryArena.BLOCK_SIZE) {
            if (SegmentMap.lookup(p) != null) {
                return true;
            }
        }
        return false;
    }

    LocalHeap newHeapIn(ArenaId id, ThreadData tld) {
        Objects.requireNonNull(id, "arena");
        MemoryArena a = engine.arenas.byId(id.id());
        if (a == null || !idOf(a).equals(id)) {
            throw new IllegalArgumentException("nalloc: newHeapInArena: unknown arena " + id + " (not one of this allocator's)");
        }
        return LocalHeap.newHeapInSpace(tld, engine.newArenaSpace(tld, a));
    }

    static ArenaId idOf(MemoryArena a) {
        return new ArenaId(a.id(), a.base(), a.size(), a.exclusive(), a.numaNode());
    }
}
