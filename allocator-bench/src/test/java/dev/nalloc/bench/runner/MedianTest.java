package dev.nalloc.bench.runner;

import dev.nalloc.bench.report.RunRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MedianTest {

    private static RunRecord ok(long nanos) {
        return new RunRecord("w", "p", RunRecord.OK, "", 100, nanos, 1, 1, -1, -1, -1, "");
    }

    @Test
    void repeatsKeepTheMedianByTimePerOperation() {
        assertEquals(300, BenchMain.median(List.of(ok(500), ok(100), ok(300))).elapsedNanos());
        assertEquals(100, BenchMain.median(List.of(ok(500), ok(100))).elapsedNanos());
        assertEquals(7, BenchMain.median(List.of(ok(7))).elapsedNanos());
    }

    @Test
    void anyFailedRepeatMakesTheResultAFailure() {
        RunRecord failed = RunRecord.failed("w", "p", "memory corruption: x");
        assertEquals(failed, BenchMain.median(List.of(ok(1), failed, ok(2))));
    }
}
