package dev.nalloc.core.stats;

import dev.nalloc.core.memory.SizeClasses;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * When a thread's remote frees publish the live gauges ({@link ThreadCounters#countRemoteFree}): the
 * first remote free that leaves a decrease pending publishes it (C2 shape: the branch is seen taken
 * early, see the method), and from then on a decrease of 256 KiB does; a rise is never published
 * there (it may pass a peak, which only a peak check raises).
 */
class RemoteFreePublishTest {

    private static final long BLOCK = 64;

    @Test
    void firstDecreasePublishesAtOnceThenEveryBatch() {
        Gauges gauges = new Gauges();
        ThreadCounters c = new ThreadCounters(gauges);
        int bin = SizeClasses.bin(BLOCK);
        assertEquals(BLOCK, SizeClasses.binSize(bin));
        c.countRemoteFree(bin);
        assertEquals(-BLOCK, gauges.getVolatileCurrent(Gauges.BYTES), "the first remote free publishes");
        assertEquals(-1, gauges.getVolatileCurrent(Gauges.BLOCKS));
        long batch = Gauges.BATCH_BYTES / BLOCK;
        for (long i = 1; i < batch; i++) {
            c.countRemoteFree(bin);
        }
        assertEquals(-BLOCK, gauges.getVolatileCurrent(Gauges.BYTES), "then nothing until a batch is pending");
        c.countRemoteFree(bin);
        assertEquals(-BLOCK - Gauges.BATCH_BYTES, gauges.getVolatileCurrent(Gauges.BYTES), "a batch publishes");
        assertEquals(-1 - batch, gauges.getVolatileCurrent(Gauges.BLOCKS));
        assertEquals(-1 - batch, c.adjust[bin], "every remote free counted in the sums");
    }

    @Test
    void aPendingRiseIsNotPublishedByARemoteFree() {
        Gauges gauges = new Gauges();
        ThreadCounters c = new ThreadCounters(gauges);
        int bin = SizeClasses.bin(BLOCK);
        c.blocksChanged(BLOCK, 10);
        c.countRemoteFree(bin);
        assertEquals(0, gauges.getVolatileCurrent(Gauges.BYTES), "a rise stays pending");
        for (int i = 0; i < 9; i++) {
            c.countRemoteFree(bin);
        }
        assertEquals(0, gauges.getVolatileCurrent(Gauges.BYTES), "nothing pending: nothing published");
        c.countRemoteFree(bin);
        assertEquals(-BLOCK, gauges.getVolatileCurrent(Gauges.BYTES), "the first decrease publishes");
        assertEquals(-1, gauges.getVolatileCurrent(Gauges.BLOCKS));
    }
}
