package dev.nalloc.core.stats;

import dev.nalloc.core.TestThreads;
import dev.nalloc.core.memory.SizeClasses;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The counts of remote frees by threads without data of their own: one count per bin and free,
 * from which the live gauges derive their bytes and blocks (no adders of their own).
 */
class UnownedFreesTest {

    @Test
    void countsPerBinAndDerivedBytesAndBlocksFromManyThreads() throws Exception {
        Gauges g = new Gauges();
        UnownedFrees u = g.unowned;
        int threads = UnownedFrees.STRIPES + 3; // more threads than stripes: some share one
        int perThread = 20_000;
        long[] expected = new long[SizeClasses.BIN_COUNT];
        long expectedBytes = 0;
        for (int t = 0; t < threads; t++) {
            int bin = binOf(t);
            expected[bin] -= perThread;
            expectedBytes -= perThread * SizeClasses.binSize(bin);
        }
        TestThreads.runAll(Thread.ofPlatform(), threads, t -> {
            int bin = binOf(t);
            for (int i = 0; i < perThread; i++) {
                u.countOpaque(bin);
            }
        });
        long[] adjust = new long[SizeClasses.BIN_COUNT];
        u.addToOpaque(adjust);
        assertArrayEquals(expected, adjust);
        assertEquals((long) -threads * perThread, u.getOpaqueBlocks());
        assertEquals(expectedBytes, u.getOpaqueBytes());
        assertEquals(expectedBytes, g.getVolatileCurrent(Gauges.BYTES), "the bytes gauge adds the derived part");
        assertEquals((long) -threads * perThread, g.getVolatileCurrent(Gauges.BLOCKS));

        g.clear();
        assertEquals(0, u.getOpaqueBlocks());
        assertEquals(0, u.getOpaqueBytes());
        long[] none = new long[SizeClasses.BIN_COUNT];
        u.addToOpaque(none);
        assertArrayEquals(new long[SizeClasses.BIN_COUNT], none);
    }

    /**
     * The sums walk each mask word with its first bin added (never empty, see UnownedFrees.sum):
     * that bin adds nothing while uncounted, and a counted one is added once.
     */
    @Test
    void sumsAddEachCountedBinOnceAndNothingElse() {
        UnownedFrees u = new UnownedFrees();
        assertEquals(0, u.getOpaqueBytes());
        assertEquals(0, u.getOpaqueBlocks());
        int last = SizeClasses.BIN_HUGE - 1;
        u.countOpaque(1);
        u.countOpaque(last);
        u.countOpaque(last);
        assertEquals(-3, u.getOpaqueBlocks());
        assertEquals(-SizeClasses.binSize(1) - 2 * SizeClasses.binSize(last), u.getOpaqueBytes());
        if (SizeClasses.BIN_COUNT > 64) { // the first bin of the second mask word
            u.countOpaque(64);
            assertEquals(-4, u.getOpaqueBlocks());
            assertEquals(-SizeClasses.binSize(1) - 2 * SizeClasses.binSize(last) - SizeClasses.binSize(64), u.getOpaqueBytes());
        }
    }

    /** The bin thread {@code t} counts in (threads beyond the bins wrap around). */
    private static int binOf(int t) {
        return 1 + t % (SizeClasses.BIN_COUNT - 2);
    }

    /**
     * More live threads than stripes: at most one per stripe claims it (plain counting), the rest
     * count in the shared stripe with atomic adds, and every count is kept exactly. All threads are
     * alive at once (barriers), so the claims cannot all succeed.
     */
    @Test
    void liveThreadsBeyondTheStripesShareTheAtomicStripeExactly() throws Exception {
        UnownedFrees u = new UnownedFrees();
        int threads = UnownedFrees.STRIPES + 5;
        int perThread = 30_000;
        CyclicBarrier allAlive = new CyclicBarrier(threads);
        CyclicBarrier done = new CyclicBarrier(threads);
        AtomicInteger claimed = new AtomicInteger();
        long[] expected = new long[SizeClasses.BIN_COUNT];
        for (int t = 0; t < threads; t++) {
            expected[liveBinOf(t)] -= perThread;
        }
        TestThreads.runAll(Thread.ofPlatform(), threads, t -> {
            int bin = liveBinOf(t);
            allAlive.await();
            for (int i = 0; i < perThread; i++) {
                u.countOpaque(bin);
            }
            if (u.claimedByCaller()) {
                claimed.incrementAndGet();
            }
            done.await(); // nobody ends before every thread looked at its claim
        });
        assertTrue(claimed.get() <= UnownedFrees.STRIPES, "one claimant per stripe: " + claimed.get());
        assertTrue(claimed.get() >= 1, "the first thread of a free stripe claims it");
        long[] adjust = new long[SizeClasses.BIN_COUNT];
        u.addToOpaque(adjust);
        assertArrayEquals(expected, adjust);
        assertEquals((long) -threads * perThread, u.getOpaqueBlocks());
    }

    /** The bin live thread {@code t} counts in. */
    private static int liveBinOf(int t) {
        return 1 + (t * 7) % (SizeClasses.BIN_COUNT - 2);
    }

    /**
     * Short-lived threads one after another (thousands, more than the stripes many times over): a
     * stripe whose claimant ended is taken over by the next thread that maps to it, the ended
     * thread's counts stay, and the new claimant counts plainly on top of them.
     */
    @Test
    void endedClaimantsStripesAreTakenOverWithTheirCountsKept() throws Exception {
        UnownedFrees u = new UnownedFrees();
        int threads = 2_000;
        int perThread = 50;
        long[] expected = new long[SizeClasses.BIN_COUNT];
        long expectedBytes = 0;
        AtomicInteger claimed = new AtomicInteger();
        for (int t = 0; t < threads; t++) {
            int bin = 1 + (t * 13) % (SizeClasses.BIN_COUNT - 2);
            expected[bin] -= perThread;
            expectedBytes -= perThread * SizeClasses.binSize(bin);
            TestThreads.runOnNewThread(() -> { // ended before the next starts: its stripe is free to take over
                for (int i = 0; i < perThread; i++) {
                    u.countOpaque(bin);
                }
                if (u.claimedByCaller()) {
                    claimed.incrementAndGet();
                }
            });
        }
        assertEquals(threads, claimed.get(), "every thread found its stripe's claimant ended and took it over");
        long[] adjust = new long[SizeClasses.BIN_COUNT];
        u.addToOpaque(adjust);
        assertArrayEquals(expected, adjust);
        assertEquals(expectedBytes, u.getOpaqueBytes());
        assertEquals((long) -threads * perThread, u.getOpaqueBlocks());
    }
}
