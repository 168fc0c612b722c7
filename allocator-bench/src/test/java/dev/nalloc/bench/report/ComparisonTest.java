package dev.nalloc.bench.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonTest {

    private final Comparison c = RecordedData.report().comparison();

    @Test
    void relativeTimeIsTimePerOperationOverNallocsAndMemoryIsPeakRssRatio() {
        List<Comparison.Row> larson = c.rows("larson");
        assertEquals(1.0, larson.get(0).relativeTime(), 1e-9);
        assertEquals(1.0, larson.get(0).relativeMemory(), 1e-9);
        // glibc did half the operations in the same time: twice the time per operation
        assertEquals(2.0, larson.get(1).relativeTime(), 1e-9);
        assertEquals(1.5, larson.get(1).relativeMemory(), 1e-9);
        assertTrue(Double.isNaN(larson.get(2).relativeTime()), "skipped rows have no ratio");
        assertEquals(Optional.of("nalloc"), c.baselineOf("larson"));
    }

    @Test
    void whenNallocFailsTheFirstSuccessfulAllocatorStandsIn() {
        assertEquals(Optional.of("glibc"), c.baselineOf("mleak"));
        assertEquals(0.5, c.rows("mleak").get(2).relativeTime(), 1e-9);
        assertEquals(0.5, c.rows("mleak").get(2).relativeMemory(), 1e-9);
    }

    @Test
    void geometricMeansUseOnlyCompletedWorkloads() {
        // glibc: larson 2.0, mleak 1.0 (it is mleak's stand-in baseline)
        assertEquals(Math.sqrt(2.0), c.geometricMeanTime("glibc"), 1e-9);
        assertEquals(Math.sqrt(1.5), c.geometricMeanMemory("glibc"), 1e-9);
        // nalloc completed only larson
        assertEquals(1.0, c.geometricMeanTime("nalloc"), 1e-9);
        assertTrue(Double.isNaN(c.geometricMeanTime("jdk-arena")));
    }
}
