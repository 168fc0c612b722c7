package dev.nalloc.core.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestThreads;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * xmalloc-test's pattern: producers allocate batches of small blocks, consumers on other threads
 * check their contents and free them. Every page fills up, goes to its heap's full queue, empties
 * through one delayed free and the rest on its thread-free list, and ends while its producer keeps
 * making pages (the page-ending count of {@code FreeLists.freeLength}, the purge deadline pushed on
 * by the stream of page frees). Every block's contents are checked on the freeing thread, and the
 * per-size-class totals are exact once every thread has finished. Soak with
 * {@code -Dnalloc.pc.stress.batches=20000}.
 */
class ProducerConsumerStressTest {

    private static final int BATCHES = Integer.getInteger("nalloc.pc.stress.batches", 300);
    private static final int PER_BATCH = 1500; // about one and a half 64 KiB pages of 64-byte blocks
    private static final int PRODUCERS = 2;
    private static final int CONSUMERS = 2;

    @Test
    void blocksFreedOnOtherThreadsKeepTheirContentsAndTheTotalsStayExact() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            BlockingQueue<long[]> queue = new ArrayBlockingQueue<>(16);
            AtomicInteger producing = new AtomicInteger(PRODUCERS);
            AtomicLong allocated = new AtomicLong();
            AtomicLong freed = new AtomicLong();
            AtomicLong checked = new AtomicLong();
            TestThreads.Running[] producers = TestThreads.startAll(Thread.ofPlatform().name("pc-producer-", 0), PRODUCERS, w -> {
                try {
                    for (int b = 0; b < BATCHES; b++) {
                        long[] batch = new long[PER_BATCH + 1];
                        long serial = ((long) w << 32) | b;
                        batch[0] = serial;
                        for (int i = 1; i <= PER_BATCH; i++) {
                            long size = 57 + (i & 7); // one size class (64 B)
                            long p = a.malloc(size);
                            assertTrue(p != 0);
                            TestAllocators.fill(p, size, serial * PER_BATCH + i);
                            batch[i] = p;
                        }
                        allocated.addAndGet(PER_BATCH);
                        assertTrue(queue.offer(batch, 60, TimeUnit.SECONDS), "consumers stalled");
                    }
                } finally {
                    producing.decrementAndGet();
                }
                a.threadDone();
            });
            TestThreads.Running[] consumers = TestThreads.startAll(Thread.ofPlatform().name("pc-consumer-", 0), CONSUMERS, w -> {
                while (true) {
                    boolean last = producing.get() == 0;
                    long[] batch = queue.poll(5, TimeUnit.MILLISECONDS);
                    if (batch == null) {
                        if (last) {
                            break;
                        }
                        continue;
                    }
                    long serial = batch[0];
                    for (int i = 1; i < batch.length; i++) {
                        long size = 57 + (i & 7);
                        assertTrue(TestAllocators.check(batch[i], size, serial * PER_BATCH + i),
                                "block " + i + " of batch " + Long.toHexString(serial) + " changed before its free");
                        checked.incrementAndGet();
                        a.free(batch[i]);
                    }
                    freed.addAndGet(PER_BATCH);
                }
                a.threadDone();
            });
            TestThreads.joinAll(Duration.ofSeconds(240), producers);
            TestThreads.joinAll(Duration.ofSeconds(240), consumers);

            long total = (long) PRODUCERS * BATCHES * PER_BATCH;
            assertEquals(total, allocated.get());
            assertEquals(total, freed.get());
            assertEquals(total, checked.get());
            a.collect(true);
            StatsSnapshot s = (StatsSnapshot) a.stats();
            assertEquals(0, s.allocationCount(), "live blocks");
            AllocatorStats.Bin bin = s.bins().stream().filter(x -> x.blockSize() == 64).findFirst().orElse(null);
            assertNotNull(bin, "the 64-byte bin");
            assertEquals(total, bin.blocks().allocated(), "allocated of the 64-byte bin");
            assertEquals(total, bin.blocks().freed(), "freed of the 64-byte bin");
            assertEquals(0, bin.blocks().current());
            assertTrue(s.count("pages").allocated() > 2, "pages ended and were made again: " + s.count("pages").allocated());
        }
    }
}
