package dev.nalloc.spi;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LargePageBackoffTest {

    private static final long LARGE = 2L << 20;

    @Test
    void triesOnlyWholeLargePagesAtALargePageAlignment() {
        LargePageBackoff backoff = new LargePageBackoff(8);
        assertTrue(backoff.shouldTry(LARGE, LARGE, LARGE));
        assertTrue(backoff.shouldTry(4 * LARGE, 2 * LARGE, LARGE));
        assertFalse(backoff.shouldTry(LARGE + 4096, LARGE, LARGE), "size not a multiple");
        assertFalse(backoff.shouldTry(LARGE, LARGE / 2, LARGE), "alignment not a multiple");
        assertFalse(backoff.shouldTry(LARGE, 0, LARGE), "no alignment asked");
        assertFalse(backoff.shouldTry(LARGE, -LARGE, LARGE), "negative alignment");
        assertFalse(backoff.shouldTry(LARGE, LARGE, 0), "the OS has no large pages");
    }

    @Test
    void afterAFailureTheNextFittingRequestsSkipThenItTriesAgain() {
        LargePageBackoff backoff = new LargePageBackoff(3);
        backoff.failed();
        assertFalse(backoff.shouldTry(LARGE + 4096, LARGE, LARGE));
        assertFalse(backoff.shouldTry(LARGE, LARGE, LARGE));
        assertFalse(backoff.shouldTry(LARGE, LARGE, LARGE));
        assertFalse(backoff.shouldTry(LARGE, LARGE, LARGE));
        assertTrue(backoff.shouldTry(LARGE, LARGE, LARGE), "three skipped: the fourth tries again");
        assertTrue(backoff.shouldTry(LARGE, LARGE, LARGE));
    }

    @Test
    void requestsThatDoNotFitDoNotCountDown() {
        LargePageBackoff backoff = new LargePageBackoff(1);
        backoff.failed();
        for (int i = 0; i < 5; i++) {
            assertFalse(backoff.shouldTry(4096, 4096, LARGE));
        }
        assertFalse(backoff.shouldTry(LARGE, LARGE, LARGE), "still held back");
        assertTrue(backoff.shouldTry(LARGE, LARGE, LARGE));
    }

    @Test
    void aNewFailureRestartsTheCount() {
        LargePageBackoff backoff = new LargePageBackoff(2);
        backoff.failed();
        assertFalse(backoff.shouldTry(LARGE, LARGE, LARGE));
        backoff.failed();
        assertFalse(backoff.shouldTry(LARGE, LARGE, LARGE));
        assertFalse(backoff.shouldTry(LARGE, LARGE, LARGE));
        assertTrue(backoff.shouldTry(LARGE, LARGE, LARGE));
    }

    @Test
    void zeroSkipsAlwaysTries() {
        LargePageBackoff backoff = new LargePageBackoff(0);
        backoff.failed();
        assertTrue(backoff.shouldTry(LARGE, LARGE, LARGE));
    }

    @Test
    void concurrentRequestsSkipExactlyTheCount() throws Exception {
        int skips = 1000;
        LargePageBackoff backoff = new LargePageBackoff(skips);
        backoff.failed();
        AtomicInteger skipped = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        if (!backoff.shouldTry(LARGE, LARGE, LARGE)) {
                            skipped.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(skips, skipped.get());
    }

    @Test
    void aNegativeCountIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LargePageBackoff(-1));
        assertEquals("skipsAfterFailure must not be negative: -1", e.getMessage());
    }
}
