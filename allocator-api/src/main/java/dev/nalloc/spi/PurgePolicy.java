package dev.nalloc.spi;

/**
 * Decides when freed memory is purged (given back to the OS). The default follows mimalloc:
 * a purge is scheduled {@code purge_delay} ms after the first free (arenas: times
 * {@code arena_purge_mult}), extended while frees keep coming when {@code purge_extend_delay} is on.
 */
public interface PurgePolicy {

    /** Never purge. */
    long NEVER = Long.MAX_VALUE;

    /**
     * The time (in the {@link OsPrimitives#clockNanos()} scale) at which memory freed now should
     * be purged.
     *
     * @param now             the current time
     * @param currentDeadline the deadline already pending for the same memory, or 0 when none
     * @param arena           true for arena blocks, false for spans inside segments
     * @return the deadline; {@code now} or earlier purges at once, {@link #NEVER} never
     */
    long deadline(long now, long currentDeadline, boolean arena);

    /** {@return whether purging decommits (true) or only resets (false) the memory} */
    boolean decommits();
}
