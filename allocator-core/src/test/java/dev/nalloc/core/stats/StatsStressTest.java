package dev.nalloc.core.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestThreads;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshots taken continuously while threads allocate and free across threads never fail, and
 * once every thread has finished and collected, the per-size-class totals match what the threads
 * did exactly. Soak with {@code -Dnalloc.stats.stress.threads=8 -Dnalloc.stats.stress.ops=1000000}.
 */
class StatsStressTest {

    private static final int THREADS = Integer.getInteger("nalloc.stats.stress.threads", 4);
    private static final int OPS = Integer.getInteger("nalloc.stats.stress.ops", 20_000);

    @Test
    void snapshotsDuringCrossThreadChurnAndExactTotalsAfter() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            Map<Long, long[]> expected = new ConcurrentHashMap<>(); // blockSize -> {allocated, freed}
            ConcurrentLinkedQueue<Long> exchange = new ConcurrentLinkedQueue<>();
            AtomicLong snapshots = new AtomicLong();
            CyclicBarrier done = new CyclicBarrier(THREADS);
            List<List<Long>> leftovers = new ArrayList<>();
            for (int w = 0; w < THREADS; w++) {
                leftovers.add(new ArrayList<>());
            }
            TestThreads.Running observer = TestThreads.start(Thread.ofPlatform().daemon(true).name("stats-observer"), () -> {
                while (!Thread.currentThread().isInterrupted()) {
                    StatsSnapshot s = (StatsSnapshot) a.stats();
                    assertTrue(s.toJson().startsWith("{\"schema\":"));
                    assertTrue(s.reserved() >= 0 && s.committed() >= 0);
                    snapshots.incrementAndGet();
                }
            });
            try {
                TestThreads.joinAll(Duration.ofSeconds(60), TestThreads.startAll(Thread.ofPlatform().name("stats-stress-", 0), THREADS, w -> {
                    List<Long> live = leftovers.get(w);
                    SplittableRandom rnd = new SplittableRandom(100 + w);
                    for (int i = 0; i < OPS; i++) {
                        int op = rnd.nextInt(100);
                        if (op < 50 || live.isEmpty()) {
                            long size = rnd.nextInt(100) < 95 ? 1 + rnd.nextInt(2048) : 2049 + rnd.nextInt(100_000);
                            long p = a.malloc(size);
                            live.add(p);
                            count(expected, a.usableSize(p), 0);
                        } else if (op < 80) {
                            free(a, expected, take(live, rnd));
                        } else if (op < 90) {
                            exchange.add(take(live, rnd)); // someone else frees it
                        } else {
                            Long p = exchange.poll();
                            if (p != null) {
                                free(a, expected, p);
                            }
                        }
                    }
                    done.await(30, TimeUnit.SECONDS); // every free is done before anyone collects
                    a.threadDone();
                }));
            } finally {
                observer.thread().interrupt();
            }
            observer.join(Duration.ofSeconds(10));
            assertTrue(snapshots.get() > 0);

            StatsSnapshot s = (StatsSnapshot) a.stats();
            long live = exchange.size();
            for (List<Long> l : leftovers) {
                live += l.size();
            }
            assertEquals(live, s.allocationCount(), "live blocks");
            long blocks = 0;
            for (Map.Entry<Long, long[]> e : expected.entrySet()) {
                AllocatorStats.Bin b = s.bins().stream().filter(x -> x.blockSize() == e.getKey()).findFirst().orElse(null);
                assertNotNull(b, "bin of " + e.getKey());
                long[] ex = e.getValue();
                assertEquals(ex[0], b.blocks().allocated(), "allocated of " + e.getKey());
                assertEquals(ex[1], b.blocks().freed(), "freed of " + e.getKey());
                blocks += ex[0];
            }
            assertEquals(blocks, s.count("blocks").allocated());
            for (List<Long> l : leftovers) {
                l.forEach(a::free);
            }
            exchange.forEach(a::free);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    private static long take(List<Long> live, SplittableRandom rnd) {
        int k = rnd.nextInt(live.size());
        long p = live.get(k);
        live.set(k, live.get(live.size() - 1));
        live.remove(live.size() - 1);
        return p;
    }

    private static void free(Allocator a, Map<Long, long[]> expected, long p) {
        count(expected, a.usableSize(p), 1);
        a.free(p);
    }

    private static void count(Map<Long, long[]> expected, long blockSize, int which) {
        long[] c = expected.computeIfAbsent(blockSize, k -> new long[2]);
        synchronized (c) {
            c[which]++;
        }
    }
}
