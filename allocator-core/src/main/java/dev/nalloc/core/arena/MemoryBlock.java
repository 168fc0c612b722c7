package dev.nalloc.core.arena;

/**
 * Where a piece of segment memory came from (mimalloc's {@code mi_memid_t}): blocks of an arena,
 * or a reservation straight from the OS.
 *
 * @param address    the start
 * @param size       bytes
 * @param arena      the arena, or null for OS memory
 * @param blockIndex the first arena block
 * @param blockCount arena blocks
 * @param committed  the whole range is committed
 * @param zero       the whole range reads as zero
 */
public record MemoryBlock(long address, long size, MemoryArena arena, int blockIndex, int blockCount,
                          boolean committed, boolean zero) {

    /** What an arena's claim returns when the commit failed: no use trying other arenas or a new one. */
    public static final MemoryBlock COMMIT_FAILED = new MemoryBlock(0, 0, null, 0, 0, false, false);

    public boolean fromArena() {
        return arena != null;
    }
}
