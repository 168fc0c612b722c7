package dev.nalloc.core.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The counters of a retired thread serve the next thread of the instance (issue #16: their
 * per-size-class arrays were most of a short-lived thread's Java heap): what they counted stays in
 * the retired totals, they start again at zero, and a late look at the dead thread they served
 * does not count the new one as ended.
 */
class CountersReuseTest {

    @Test
    void retiredCountersStayInTheTotalsAndServeTheNextThreadZeroed() {
        EngineStats stats = new EngineStats();
        ThreadCounters c = new ThreadCounters(stats.gauges);
        stats.threadStarted();
        c.adjust[3] = -5;
        c.settled[7] = 11;
        c.addPages(2);
        for (int i = 0; i < 9; i++) {
            c.genericCall();
        }
        c.addExposed(4096);
        stats.retireThread(c);
        assertEquals(0, stats.threads.current());
        stats.withRetired(r -> {
            assertEquals(-5, r.adjust[3]);
            assertEquals(11, r.settled[7]);
            assertEquals(2, r.pages());
            assertEquals(9, r.genericCalls());
        });

        int oldTenure = c.tenure();
        ThreadCounters reused = stats.reuseCounters();
        assertSame(c, reused);
        assertNull(stats.reuseCounters(), "each retired counters serve one new thread");
        stats.threadStarted();
        assertEquals(0, reused.adjust[3]);
        assertEquals(0, reused.settled[7]);
        assertEquals(0, reused.pages());
        assertEquals(0, reused.genericCalls());
        assertEquals(0, reused.exposed());
        assertFalse(reused.ended);

        // a snapshot that read the counters while they served the dead thread: the new one stays counted
        stats.threadEnded(reused, oldTenure);
        assertEquals(1, stats.threads.current());
        assertFalse(reused.ended);
        stats.threadEnded(reused, reused.tenure());
        assertEquals(0, stats.threads.current());
        stats.withRetired(r -> assertEquals(-5, r.adjust[3], "the retired totals keep the first thread's counts"));
    }

    @Test
    void onlyTheInstancesOwnCountersAreKeptAndAtMostSixteen() {
        EngineStats stats = new EngineStats();
        stats.retireThread(new ThreadCounters(new Gauges())); // another instance's gauges
        stats.retireThread(new ThreadCounters()); // sums only
        assertNull(stats.reuseCounters());
        for (int i = 0; i < 20; i++) {
            stats.retireThread(new ThreadCounters(stats.gauges));
        }
        int kept = 0;
        while (stats.reuseCounters() != null) {
            kept++;
        }
        assertEquals(16, kept);
    }
}
