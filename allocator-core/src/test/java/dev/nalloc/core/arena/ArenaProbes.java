package dev.nalloc.core.arena;

/**
 * Tests outside the arena package reach its engine-only members here: they are package-private
 * because only tests use them.
 */
public final class ArenaProbes {

    private ArenaProbes() {
    }

    /** {@link MemoryArena#committedBytes}. */
    public static long committedBytes(MemoryArena arena) {
        return arena.committedBytes();
    }
}
