package dev.nalloc.core.arena;

import dev.nalloc.core.TestThreads;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BitmapTest {

    @Test
    void claimsRunsAcrossWordBoundaries() {
        Bitmap b = new Bitmap(200);
        assertTrue(b.casClaimAt(0, 60));
        int run = b.casClaim(10);
        assertEquals(60, run, "the run starts in word 0 and ends in word 1");
        assertTrue(b.getVolatileAllSet(60, 10));
        int big = b.casClaim(130);
        assertEquals(70, big, "a run spanning three words");
        assertTrue(b.getVolatileAllSet(0, 200));
        assertEquals(-1, b.casClaim(1));
        assertEquals(200, b.getVolatileCount());
    }

    @Test
    void casClaimAtFailsWithoutSideEffectsWhenAnyBitIsTaken() {
        Bitmap b = new Bitmap(192);
        assertTrue(b.casClaimAt(130, 1));
        assertFalse(b.casClaimAt(60, 80), "bit 130 is taken");
        assertEquals(1, b.getVolatileCount(), "the bits of the first words were rolled back");
        assertFalse(b.getVolatileAnySet(60, 70));
    }

    @Test
    void clearAndSetReportPreviousState() {
        Bitmap b = new Bitmap(128);
        assertTrue(b.casSet(10, 100));
        assertFalse(b.casSet(50, 20));
        assertTrue(b.casClear(10, 100));
        assertFalse(b.casClear(10, 1));
        assertEquals(0, b.getVolatileCount());
    }

    @Test
    void claimFindsTheFirstFittingGap() {
        Bitmap b = new Bitmap(256);
        assertTrue(b.casClaimAt(0, 256));
        b.casClear(63, 3);
        b.casClear(100, 40);
        assertEquals(63, b.casClaim(3));
        assertEquals(100, b.casClaim(40));
    }

    @Test
    void rangesAreChecked() {
        Bitmap b = new Bitmap(64);
        assertThrows(IndexOutOfBoundsException.class, () -> b.casClaimAt(60, 5));
        assertThrows(IllegalArgumentException.class, () -> b.casClaim(0));
        assertThrows(IllegalArgumentException.class, () -> new Bitmap(0));
        assertEquals(-1, b.casClaim(65));
    }

    @Test
    void racingThreadsNeverClaimABitTwice() throws Exception {
        int bits = 1024;
        Bitmap b = new Bitmap(bits);
        AtomicIntegerArray owners = new AtomicIntegerArray(bits);
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        TestThreads.Running[] ts = TestThreads.startAll(Thread.ofPlatform(), threads, t -> {
            int id = t + 1;
            start.await();
            java.util.Random r = new java.util.Random(id);
            for (int i = 0; i < 20_000; i++) {
                int n = 1 + r.nextInt(70);
                int at = b.casClaim(n);
                if (at < 0) {
                    continue;
                }
                for (int k = at; k < at + n; k++) {
                    if (!owners.compareAndSet(k, 0, id)) {
                        throw new AssertionError("bit " + k + " claimed twice");
                    }
                }
                for (int k = at; k < at + n; k++) {
                    owners.set(k, 0);
                }
                if (!b.casClear(at, n)) {
                    throw new AssertionError("claimed bits were not all set");
                }
            }
        });
        start.countDown();
        TestThreads.joinAll(ts);
        assertEquals(0, b.getVolatileCount());
    }
}
