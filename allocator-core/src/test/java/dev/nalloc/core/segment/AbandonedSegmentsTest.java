package dev.nalloc.core.segment;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How many abandoned segments a thread tries to reclaim (the rest of AbandonedSegments is tested in heap.AbandonReclaimTest). */
class AbandonedSegmentsTest {

    @Test
    void reclaimTriesArePercentOfTheAbandonedAtLeast8AtMost1024() {
        assertEquals(0, AbandonedSegments.reclaimTries(10, 0), "nothing abandoned");
        assertEquals(0, AbandonedSegments.reclaimTries(0, 500), "max_segment_reclaim=0");
        assertEquals(3, AbandonedSegments.reclaimTries(10, 3), "few: all of them");
        assertEquals(8, AbandonedSegments.reclaimTries(10, 50), "at least 8");
        assertEquals(10, AbandonedSegments.reclaimTries(10, 100));
        assertEquals(20, AbandonedSegments.reclaimTries(100, 20));
        assertEquals(20, AbandonedSegments.reclaimTries(250, 20), "percent clamped to 100");
        assertEquals(1024, AbandonedSegments.reclaimTries(10, 100_000), "at most 1024");
    }
}
