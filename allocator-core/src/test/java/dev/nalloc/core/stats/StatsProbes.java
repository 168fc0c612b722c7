package dev.nalloc.core.stats;

import dev.nalloc.api.AllocatorStats.Count;

/**
 * Tests outside the stats package read a snapshot's named figures here: the getters are
 * package-private because only tests use them (users read {@code AllocatorStats} and the JSON).
 */
public final class StatsProbes {

    private StatsProbes() {
    }

    /** {@link StatsSnapshot#segments}. */
    public static long segments(StatsSnapshot s) {
        return s.segments();
    }

    /** {@link StatsSnapshot#hugeSegments}. */
    public static long hugeSegments(StatsSnapshot s) {
        return s.hugeSegments();
    }

    /** {@link StatsSnapshot#pages}. */
    public static long pages(StatsSnapshot s) {
        return s.pages();
    }

    /** {@link StatsSnapshot#threads}. */
    public static long threads(StatsSnapshot s) {
        return s.threads();
    }

    /** {@link StatsSnapshot#osAllocations}. */
    public static long osAllocations(StatsSnapshot s) {
        return s.osAllocations();
    }

    /** {@link StatsSnapshot#count}. */
    public static Count count(StatsSnapshot s, String key) {
        return s.count(key);
    }
}
