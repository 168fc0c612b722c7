package dev.nalloc.api;

/**
 * Names an arena of one allocator (mimalloc's {@code mi_arena_id_t}): memory reserved with
 * {@link Allocator#reserveOsMemory} or handed over with {@link Allocator#manageOsMemory}. Pass it
 * to {@link Allocator#newHeapInArena} for a heap that allocates only from that arena.
 *
 * <p>The id is unique in the process; an allocator refuses ids it did not hand out (or whose
 * other fields do not match its arena) with {@link IllegalArgumentException}.
 *
 * @param id        the process-unique id (positive)
 * @param address   the start of the arena's usable memory (aligned to 32 MiB)
 * @param size      its usable bytes (a multiple of 32 MiB)
 * @param exclusive only heaps bound to the arena allocate from it
 * @param numaNode  the NUMA node of its memory, or -1 for any
 */
public record ArenaId(int id, long address, long size, boolean exclusive, int numaNode) {
}
