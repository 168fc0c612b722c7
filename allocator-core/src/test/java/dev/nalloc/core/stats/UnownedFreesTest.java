package dev.nalloc.core.stats;

import dev.nalloc.core.TestThreads;
import dev.nalloc.core.memory.SizeClasses;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
                u.count(bin);
            }
        });
        long[] adjust = new long[SizeClasses.BIN_COUNT];
        u.addTo(adjust);
        assertArrayEquals(expected, adjust);
        assertEquals((long) -threads * perThread, u.blocks());
        assertEquals(expectedBytes, u.bytes());
        assertEquals(expectedBytes, g.current(Gauges.BYTES), "the bytes gauge adds the derived part");
        assertEquals((long) -threads * perThread, g.current(Gauges.BLOCKS));

        g.clear();
        assertEquals(0, u.blocks());
        assertEquals(0, u.bytes());
        long[] none = new long[SizeClasses.BIN_COUNT];
        u.addTo(none);
        assertArrayEquals(new long[SizeClasses.BIN_COUNT], none);
    }

    /** The bin thread {@code t} counts in (threads beyond the bins wrap around). */
    private static int binOf(int t) {
        return 1 + t % (SizeClasses.BIN_COUNT - 2);
    }
}
