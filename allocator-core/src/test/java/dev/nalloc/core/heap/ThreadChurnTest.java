package dev.nalloc.core.heap;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Option;
import dev.nalloc.core.Soak;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestEngines;
import dev.nalloc.core.TestThreads;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.stats.StatsSnapshot;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.core.segment.SegmentProbes;
import dev.nalloc.core.stats.StatsProbes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many short-lived platform threads, and a free-only consumer of short-lived producers: dead
 * threads' segments are reclaimed, so the mapped segments and committed memory stay bounded by the
 * threads alive at once, not by the threads ever started. Soak knobs: {@code nalloc.churn.threads}
 * (total, default 2000), {@code nalloc.churn.rounds} (producer rounds, default 300).
 */
class ThreadChurnTest {

    private static final int TOTAL = Integer.getInteger("nalloc.churn.threads", 2000);
    private static final int AT_ONCE = 4;
    private static final int ROUNDS = Integer.getInteger("nalloc.churn.rounds", 300);

    private static StatsSnapshot st(Allocator a) {
        return (StatsSnapshot) a.stats();
    }

    /** The blocks a worker leaves behind carry their size and seed in their first words. */
    private static long allocChecked(Allocator a, SplittableRandom r) {
        long size = 16 + r.nextInt(r.nextInt(8) == 0 ? 20_000 : 1_000);
        long p = a.malloc(size);
        TestAllocators.fillSized(p, size);
        return p;
    }

    private static void freeChecked(Allocator a, long p) {
        if (p != 0) {
            if (!TestAllocators.checkSized(p)) {
                throw new AssertionError("block 0x" + Long.toHexString(p) + " was overwritten");
            }
            a.free(p);
        }
    }

    @Test
    void thousandsOfShortThreadsReuseTheSegmentsOfTheDeadOnes() throws Exception {
        ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
        // Arenas committed on use, so that committed memory shows what the threads use.
        try (Allocator a = TestAllocators.builder().errorHandler(errors).option(Option.ARENA_EAGER_COMMIT, 0).build()) {
            TestEngines.View e = TestEngines.of(a);
            AtomicLongArray transfer = new AtomicLongArray(256); // blocks outlive their threads here
            long peakSegments = 0;
            long peakCommitted = 0;
            for (int started = 0; started < TOTAL; started += AT_ONCE) {
                int first = started;
                TestThreads.runAll(Thread.ofPlatform(), AT_ONCE, w -> {
                    int id = first + w;
                    SplittableRandom r = new SplittableRandom(id);
                    long[] mine = new long[100];
                    for (int i = 0; i < mine.length; i++) {
                        mine[i] = allocChecked(a, r);
                    }
                    for (int i = 0; i < mine.length; i += 2) {
                        freeChecked(a, mine[i]);
                    }
                    for (int i = 1; i < mine.length; i += 2) { // half outlive the thread
                        freeChecked(a, transfer.getAndSet(r.nextInt(transfer.length()), mine[i]));
                    }
                    if (id % 2 == 0) {
                        a.threadDone(); // the others just end
                    }
                });
                StatsSnapshot s = st(a);
                peakSegments = Math.max(peakSegments, StatsProbes.segments(s) - StatsProbes.hugeSegments(s));
                peakCommitted = Math.max(peakCommitted, s.committed());
            }
            // Every thread that needs a segment first abandons the dead threads' segments and then
            // reclaims one: the segments mapped stay around the threads alive at once (4), plus
            // abandoned ones the bounded search passed over, instead of growing with the 2000 started.
            System.out.printf("churn: %d threads, peak segments %d, peak committed %d MiB, abandoned %d, reclaimed %d, freed %d%n",
                    TOTAL, peakSegments, peakCommitted >> 20, SegmentProbes.abandonedEver(e.abandoned), SegmentProbes.reclaimedEver(e.abandoned),
                    SegmentProbes.freedEver(e.abandoned));
            assertTrue(peakSegments <= 2 * AT_ONCE + 2, "peak segments " + peakSegments);
            assertTrue(peakCommitted <= (2 * AT_ONCE + 2) * Layout.SEGMENT_SIZE, "peak committed " + peakCommitted);
            assertTrue(SegmentProbes.reclaimedEver(e.abandoned) > TOTAL / 4, "segments were reclaimed: " + SegmentProbes.reclaimedEver(e.abandoned));
            assertTrue(e.registry.size() <= AT_ONCE + 1, "dead threads are forgotten: " + e.registry.size());
            for (int i = 0; i < transfer.length(); i++) {
                freeChecked(a, transfer.getAndSet(i, 0));
            }
            a.collect(true);
            assertEquals(0, a.stats().allocationCount());
            assertEquals(0, StatsProbes.segments(st(a)), "all abandoned segments emptied and given back");
            assertEquals(0, e.abandoned.count());
            assertEquals(0, StatsProbes.pages(st(a)));
            assertTrue(errors.reports().isEmpty(), errors.reports().toString());
        }
    }

    /**
     * Short-lived producers hand every block to one long-lived consumer that only frees. The
     * consumer never gets thread data (its remote frees are counted without it) unless it reclaims
     * on free; each producer reclaims its predecessor's abandoned segment. So the segments mapped
     * stay at about one per thread alive, whatever the number of rounds.
     */
    @ParameterizedTest(name = "abandoned_reclaim_on_free={0}")
    @ValueSource(ints = {0, 1})
    void aFreeOnlyConsumerDoesNotMakeMemoryGrow(int reclaimOnFree) throws Exception {
        ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
        try (Allocator a = TestAllocators.builder().errorHandler(errors)
                .option(Option.ABANDONED_RECLAIM_ON_FREE, reclaimOnFree).build()) {
            TestEngines.View e = TestEngines.of(a);
            int perProducer = 500;
            int capacity = 2 * perProducer;
            BlockingQueue<Long> queue = new ArrayBlockingQueue<>(capacity);
            TestThreads.Running consumer = TestThreads.start(Thread.ofPlatform().daemon(true), () -> { // left behind if a producer fails
                while (true) {
                    long p = queue.take();
                    if (p == 0) {
                        return;
                    }
                    freeChecked(a, p);
                }
            });
            long peakSegments = 0;
            for (int round = 0; round < ROUNDS && consumer.failure() == null; round++) {
                int seed = round;
                TestThreads.runOnNewThread(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int i = 0; i < perProducer; i++) {
                        queue.put(allocChecked(a, r));
                    }
                    if (seed % 3 == 0) {
                        a.threadDone();
                    }
                });
                StatsSnapshot s = st(a);
                peakSegments = Math.max(peakSegments, StatsProbes.segments(s));
            }
            queue.put(0L);
            consumer.join();
            System.out.printf("producer/consumer (reclaim on free %d): %d rounds, peak segments %d, reclaimed %d, freed %d%n",
                    reclaimOnFree, ROUNDS, peakSegments, SegmentProbes.reclaimedEver(e.abandoned), SegmentProbes.freedEver(e.abandoned));
            // Blocks still queued come from at most the last capacity / perProducer + 1 producers, each
            // of whose segments may still be mapped (owned by the consumer when it reclaims on free),
            // plus one spare segment for the consumer: the bound does not depend on the rounds run.
            long bound = capacity / perProducer + 1 + 1;
            assertTrue(peakSegments <= bound, "peak segments " + peakSegments + " > " + bound);
            if (reclaimOnFree == 0) {
                assertEquals(0, e.registry.retired() - ROUNDS + e.registry.size(),
                        "only the producers ever had thread data, never the free-only consumer");
            } else {
                assertTrue(SegmentProbes.reclaimedEver(e.abandoned) > 0);
            }
            a.collect(true);
            assertEquals(0, a.stats().allocationCount());
            assertEquals(0, StatsProbes.segments(st(a)));
            assertTrue(errors.reports().isEmpty(), errors.reports().toString());
        }
    }
}
