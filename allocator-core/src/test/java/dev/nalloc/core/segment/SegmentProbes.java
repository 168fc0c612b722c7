package dev.nalloc.core.segment;

/**
 * Tests outside the segment package reach its engine-only counters here: the members are
 * package-private because only tests read them.
 */
public final class SegmentProbes {

    private SegmentProbes() {
    }

    /** {@link AbandonedSegments#abandonedEver}. */
    public static long abandonedEver(AbandonedSegments abandoned) {
        return abandoned.abandonedEver();
    }

    /** {@link AbandonedSegments#reclaimedEver}. */
    public static long reclaimedEver(AbandonedSegments abandoned) {
        return abandoned.reclaimedEver();
    }

    /** {@link AbandonedSegments#freedEver}. */
    public static long freedEver(AbandonedSegments abandoned) {
        return abandoned.freedEver();
    }

    /** {@link SegmentSpace#guardedSpans}. */
    public static int guardedSpans(SegmentSpace space) {
        return space.guardedSpans();
    }
}
