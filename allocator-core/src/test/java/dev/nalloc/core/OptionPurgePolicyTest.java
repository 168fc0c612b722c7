package dev.nalloc.core;

import dev.nalloc.api.Option;
import dev.nalloc.api.OptionValues;
import dev.nalloc.spi.PurgePolicy;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The deadlines of the default purge policy. */
class OptionPurgePolicyTest {

    private static final long MS = 1_000_000L;

    private static PurgePolicy policy(long delay, long mult, boolean extend, boolean decommits) {
        return new OptionPurgePolicy(OptionValues.defaults().with(Map.of(Option.PURGE_DELAY, delay,
                Option.ARENA_PURGE_MULT, mult, Option.PURGE_EXTEND_DELAY, extend ? 1L : 0L,
                Option.PURGE_DECOMMITS, decommits ? 1L : 0L)));
    }

    @Test
    void theFirstFreeSetsTheDelaySpansPlainArenasTimesTheMultiplier() {
        PurgePolicy p = policy(10, 10, true, true);
        assertEquals(1000 + 10 * MS, p.deadline(1000, 0, false));
        assertEquals(1000 + 100 * MS, p.deadline(1000, 0, true));
    }

    @Test
    void extensionMovesAPendingDeadlineByATenthUpToTenDelaysForSpansOneForArenas() {
        PurgePolicy p = policy(10, 1, true, true);
        long now = 100 * MS;
        assertEquals(now + 6 * MS, p.deadline(now, now + 5 * MS, false), "+1 ms");
        assertEquals(now + 11 * MS, p.deadline(now, now + 10 * MS, false), "a stream of frees runs ahead of now + delay");
        assertEquals(now + 100 * MS, p.deadline(now, now + 100 * MS, false), "never beyond now + 10 delays");
        assertEquals(now + 6 * MS, p.deadline(now, now + 5 * MS, true), "an arena block: +1 ms");
        assertEquals(now + 10 * MS, p.deadline(now, now + 10 * MS, true), "an arena block: never beyond now + delay");
        assertEquals(now - MS, p.deadline(now, now - MS, false), "an expired deadline stays: purge on the next check");
    }

    @Test
    void aSteadyStreamOfFreesKeepsTheDeadlineAheadOfAPauseLongerThanOneDelay() {
        PurgePolicy p = policy(10, 1, true, true);
        long now = 0;
        long deadline = p.deadline(now, 0, false);
        for (int i = 0; i < 1000; i++) { // a page freed every 0.1 ms for 100 ms
            now += MS / 10;
            deadline = p.deadline(now, deadline, false);
        }
        assertEquals(now + 100 * MS, deadline, "ten delays ahead of the last free");
        assertTrue(deadline - (now + 50 * MS) > 0, "a 50 ms pause of the freeing thread purges nothing");
    }

    @Test
    void withoutExtensionAPendingDeadlineHolds() {
        PurgePolicy p = policy(10, 1, false, true);
        assertEquals(5 * MS, p.deadline(MS, 5 * MS, false));
    }

    @Test
    void minusOneNeverZeroAtOnce() {
        assertEquals(PurgePolicy.NEVER, policy(-1, 10, true, true).deadline(5, 0, false));
        assertEquals(PurgePolicy.NEVER, policy(-1, 10, true, true).deadline(5, 0, true));
        assertEquals(5, policy(0, 10, true, true).deadline(5, 0, false));
        assertEquals(5, policy(0, 10, true, true).deadline(5, 0, true));
    }

    @Test
    void purgeDecommitsChoosesDecommitOrReset() {
        assertTrue(policy(10, 10, true, true).decommits());
        assertFalse(policy(10, 10, true, false).decommits());
    }
}
