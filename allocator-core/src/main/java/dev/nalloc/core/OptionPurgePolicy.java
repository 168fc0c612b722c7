package dev.nalloc.core;

import dev.nalloc.api.Option;
import dev.nalloc.api.OptionValues;
import dev.nalloc.spi.PurgePolicy;

/**
 * The default {@link PurgePolicy}, from the options: freed memory is purged {@code purge_delay} ms
 * later (arena blocks {@code arena_purge_mult} times later), the deadline moves on while frees keep
 * coming when {@code purge_extend_delay} is set, {@code -1} never purges, {@code 0} purges at once;
 * purging decommits when {@code purge_decommits} is set, else it resets.
 */
final class OptionPurgePolicy implements PurgePolicy {

    /** A pending deadline of a segment's spans moves on to at most this many delays from now ({@code purge_extend_delay}). */
    static final long EXTEND_LIMIT = 10;

    /** Read at every deadline and purge: the options may change at run time. */
    private final LiveOptions options;

    OptionPurgePolicy(LiveOptions options) {
        this.options = options;
    }

    OptionPurgePolicy(OptionValues options) {
        this(new LiveOptions(options));
    }

    /**
     * The first free sets the deadline {@code delay} from now. Later frees leave an expired deadline
     * alone (the memory is purged on the next check) and, with {@code purge_extend_delay}, move a
     * pending one on by a tenth of the delay, up to {@link #EXTEND_LIMIT} delays from now for the
     * spans of a segment, one delay for an arena's blocks (mimalloc's
     * {@code mi_segment_schedule_purge} and {@code mi_arena_schedule_purge} move it without a
     * bound). Under a steady stream of frees the deadline so runs ahead of a pause of the freeing
     * thread (descheduled, or waiting for its consumers): a pause longer than one delay used to purge
     * every free span of the segment, just before the thread took them again and faulted their
     * memory back in (see docs/performance.md, producer/consumer).
     */
    @Override
    public long deadline(long now, long currentDeadline, boolean arena) {
        long delayMillis = options.get(Option.PURGE_DELAY);
        if (delayMillis < 0) {
            return NEVER;
        }
        long delayNanos = delayMillis * 1_000_000L;
        long delay = arena ? delayNanos * Math.max(1, options.get(Option.ARENA_PURGE_MULT)) : delayNanos;
        if (currentDeadline == 0 || currentDeadline == NEVER) {
            return now + delay;
        }
        if (!options.isEnabled(Option.PURGE_EXTEND_DELAY) || currentDeadline - now <= 0) {
            return currentDeadline;
        }
        long extended = currentDeadline + Math.max(1, delay / 10);
        long limit = now + (arena ? delay : delay * EXTEND_LIMIT);
        return extended - limit > 0 ? limit : extended;
    }

    @Override
    public boolean decommits() {
        return options.isEnabled(Option.PURGE_DECOMMITS);
    }
}
