package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import org.junit.jupiter.api.Test;

import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Larson's chain of threads: each link frees and allocates in a table, hands the table to a new
 * thread and then calls threadDone, so the successor frees the predecessor's blocks while the
 * predecessor abandons its segments, and reclaims them as soon as they are published. Contents are
 * checked at every free. Soak knob: {@code nalloc.larson.runs} (default 60).
 */
class LarsonChainTest {

    private static final int RUNS = Integer.getInteger("nalloc.larson.runs", 60);

    @Test
    void tablesHandedToNewThreadsWhileTheOldOnesAbandon() throws Exception {
        for (int run = 0; run < RUNS; run++) {
            try (Allocator a = TestAllocators.builder()
                    .option(dev.nalloc.api.Option.PURGE_DELAY, run % 2 == 0 ? 0 : 10).build()) {
                int threads = 2;
                int chunks = 200;
                long[][] tables = new long[threads][chunks];
                long[][] sizes = new long[threads][chunks];
                for (int t = 0; t < threads; t++) {
                    for (int i = 0; i < chunks; i++) {
                        sizes[t][i] = Math.max(16, 8 + (i * 37) % 993);
                        tables[t][i] = a.malloc(sizes[t][i]);
                        TestAllocators.fillSized(tables[t][i], sizes[t][i]);
                    }
                }
                Queue<TestThreads.Running> links = new ConcurrentLinkedQueue<>();
                // Every link is waited for, those that handed their table on included: they may still
                // be abandoning (threadDone) when their successor ends, and the allocator closes next.
                AtomicInteger running = new AtomicInteger(1);
                CountDownLatch finished = new CountDownLatch(1);
                long deadline = System.nanoTime() + 50_000_000L;
                for (int t = 0; t < threads; t++) {
                    link(a, tables[t], sizes[t], new SplittableRandom(run * 31L + t), 2L * chunks, deadline, links,
                            running, finished);
                }
                if (running.decrementAndGet() == 0) {
                    finished.countDown();
                }
                finished.await();
                TestThreads.joinAll(links.toArray(TestThreads.Running[]::new));
                for (int t = 0; t < threads; t++) {
                    for (int i = 0; i < chunks; i++) {
                        if (!TestAllocators.checkSized(tables[t][i])) {
                            throw new AssertionError("block " + i + " of table " + t + " was overwritten");
                        }
                        a.free(tables[t][i]);
                    }
                }
                a.collect(true);
                assertEquals(0, a.stats().allocationCount());
            }
        }
    }

    private static void link(Allocator a, long[] table, long[] sizes, SplittableRandom r, long steps, long deadline,
                             Queue<TestThreads.Running> links, AtomicInteger running, CountDownLatch finished) {
        running.incrementAndGet();
        links.add(TestThreads.start(() -> {
            try {
                long done = 0;
                while (done < steps) {
                    if ((done & 63) == 0 && System.nanoTime() >= deadline) {
                        break;
                    }
                    int v = r.nextInt(table.length);
                    if (!TestAllocators.checkSized(table[v])) {
                        throw new AssertionError("block overwritten");
                    }
                    a.free(table[v]);
                    sizes[v] = 16 + r.nextInt(985);
                    table[v] = a.malloc(sizes[v]);
                    TestAllocators.fillSized(table[v], sizes[v]);
                    done++;
                }
                if (done == steps && System.nanoTime() < deadline) {
                    link(a, table, sizes, r, steps, deadline, links, running, finished); // frees this thread's blocks at once
                }
            } finally {
                a.threadDone(); // while the successor frees this thread's blocks
                if (running.decrementAndGet() == 0) {
                    finished.countDown();
                }
            }
        }));
    }
}
