package dev.nalloc.core.heap;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestEngines;
import dev.nalloc.core.TestThreads;
import dev.nalloc.core.segment.AbandonedSegments;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.core.segment.SegmentProbes;
import dev.nalloc.core.stats.StatsProbes;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads that end (with {@code threadDone} or without) abandon their segments; other threads
 * reclaim them on their allocation slow path, on free (option), or give them back when empty.
 */
class AbandonReclaimTest {

    private static final int BLOCKS = 1000;

    static TestEngines.View engine(Allocator a) {
        return TestEngines.of(a);
    }

    static dev.nalloc.core.stats.StatsSnapshot st(Allocator a) {
        return (dev.nalloc.core.stats.StatsSnapshot) a.stats();
    }

    private static void run(Runnable r) throws InterruptedException {
        TestThreads.runOnNewThread(r::run);
    }

    /** Allocates {@link #BLOCKS} 64-byte blocks filled with a pattern of their index. */
    private static long[] fillBlocks(Allocator a) {
        long[] blocks = new long[BLOCKS];
        for (int i = 0; i < BLOCKS; i++) {
            blocks[i] = a.malloc(64);
            TestAllocators.fill(blocks[i], 64, i);
        }
        return blocks;
    }

    private static void checkAndFree(Allocator a, long[] blocks) {
        for (int i = 0; i < blocks.length; i++) {
            assertTrue(TestAllocators.check(blocks[i], 64, i), "block " + i + " intact");
            a.free(blocks[i]);
        }
    }

    @Test
    void threadDoneAbandonsTheSegmentAndAnotherThreadReclaimsItInsteadOfMappingANewOne() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            AbandonedSegments ab = engine(a).abandoned;
            long[][] blocks = new long[1][];
            run(() -> {
                blocks[0] = fillBlocks(a);
                a.threadDone();
                Segment seg = SegmentMap.lookup(blocks[0][0]);
                assertTrue(seg.getVolatileAbandoned());
                assertNull(seg.ownerThread(), "an abandoned segment has no owner");
            });
            assertEquals(1, ab.count());
            assertEquals(1, ab.pages(), "the one 64-byte page with live blocks");
            assertEquals(1, StatsProbes.segments(st(a)));
            assertEquals(BLOCKS, a.stats().allocationCount(), "the blocks stay live");
            long[] taker = new long[1];
            Thread[] u = new Thread[1];
            run(() -> {
                u[0] = Thread.currentThread();
                taker[0] = a.malloc(64); // no span of its own: reclaims the abandoned segment
            });
            assertEquals(0, ab.count());
            assertEquals(1, SegmentProbes.reclaimedEver(ab));
            assertEquals(1, StatsProbes.segments(st(a)), "no new segment was mapped");
            assertSame(SegmentMap.lookup(blocks[0][0]), SegmentMap.lookup(taker[0]), "the block came from the reclaimed segment");
            assertSame(u[0], SegmentMap.lookup(taker[0]).ownerThread());
            checkAndFree(a, blocks[0]);
            a.free(taker[0]);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @Test
    void aDeadThreadIsDetectedWithoutThreadDoneAndItsEmptiedSegmentGoesBack() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            TestEngines.View e = engine(a);
            long[][] blocks = new long[1][];
            run(() -> blocks[0] = fillBlocks(a)); // dies holding 1000 blocks
            assertEquals(1, e.registry.size());
            a.collect(false); // finds the dead thread
            assertEquals(1, e.abandoned.count());
            assertEquals(1, e.registry.retired());
            assertEquals(1, e.registry.size(), "the dead thread is forgotten; this thread registered by collect");
            assertEquals(BLOCKS, a.stats().allocationCount());
            checkAndFree(a, blocks[0]); // remote frees into the abandoned page
            assertEquals(0, a.stats().allocationCount());
            assertEquals(1, StatsProbes.segments(st(a)), "still mapped until someone looks at it");
            a.collect(false);
            assertEquals(0, e.abandoned.count());
            assertEquals(1, SegmentProbes.freedEver(e.abandoned));
            assertEquals(0, StatsProbes.segments(st(a)), "an empty abandoned segment is given back, not kept");
            assertEquals(0, StatsProbes.pages(st(a)));
        }
    }

    @Test
    void aThreadThatFreedEverythingLeavesNothingAbandoned() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            run(() -> {
                checkAndFree(a, fillBlocks(a));
                long big = a.malloc(3 << 20);
                a.free(big);
                a.threadDone();
            });
            assertEquals(0, engine(a).abandoned.count());
            assertEquals(0, SegmentProbes.abandonedEver(engine(a).abandoned));
            assertEquals(0, StatsProbes.segments(st(a)), "the spare segment went back too");
            assertEquals(0, StatsProbes.threads(st(a)));
        }
    }

    @Test
    void aHugeBlockWhoseOwnerDiedIsFreedByAnotherThread() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            long size = 100L << 20; // above a quarter of the 256 MiB test arena: straight from the OS
            long[] huge = new long[1];
            run(() -> {
                huge[0] = a.malloc(size);
                TestAllocators.fill(huge[0], 4096, 7);
            });
            a.collect(false); // the owner is found dead: the huge page leaves its heap
            assertEquals(1, StatsProbes.hugeSegments(st(a)));
            long reserved = a.stats().reserved();
            assertTrue(TestAllocators.check(huge[0], 4096, 7));
            a.free(huge[0]);
            assertEquals(0, StatsProbes.hugeSegments(st(a)));
            assertTrue(a.stats().reserved() <= reserved - size, "the huge segment went back to the OS");
            assertEquals(0, a.stats().allocationCount());
            assertEquals(0, StatsProbes.pages(st(a)));
        }
    }

    @Test
    void aHugeBlockFreedWhileItsOwnerIsAliveButDoneIsGivenBack() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            long[] huge = new long[1];
            run(() -> {
                huge[0] = a.malloc(20L << 20);
                a.threadDone();
            });
            run(() -> a.free(huge[0]));
            assertEquals(0, StatsProbes.hugeSegments(st(a)));
        }
    }

    /** In every mode: CHECKED and SECURE free through their own lookups, into the same routing. */
    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"FAST", "CHECKED", "SECURE"})
    void abandonedReclaimOnFreeTakesTheSegmentOverAndTheFreeBecomesLocal(Mode mode) throws Exception {
        ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
        try (Allocator a = TestAllocators.builder().mode(mode).errorHandler(errors)
                .option(Option.ABANDONED_RECLAIM_ON_FREE, 1).build()) {
            AbandonedSegments ab = engine(a).abandoned;
            long[][] blocks = new long[1][];
            run(() -> {
                blocks[0] = fillBlocks(a);
                a.threadDone();
            });
            assertEquals(1, ab.count());
            run(() -> {
                Segment seg = SegmentMap.lookup(blocks[0][0]);
                a.free(blocks[0][0]);
                assertEquals(0, ab.count());
                assertEquals(1, SegmentProbes.reclaimedEver(ab));
                assertSame(Thread.currentThread(), seg.ownerThread());
                assertFalse(seg.getVolatileAbandoned());
                for (int i = 1; i < BLOCKS; i++) {
                    assertTrue(TestAllocators.check(blocks[0][i], 64, i));
                    a.free(blocks[0][i]); // local frees now: the page empties and goes
                }
                assertEquals(0, a.stats().allocationCount());
                a.threadDone();
            });
            assertEquals(0, ab.count());
            assertEquals(0, StatsProbes.segments(st(a)));
        }
        assertTrue(errors.reports().isEmpty(), errors.reports().toString());
    }

    @Test
    void withoutReclaimOnFreeAFreeLeavesTheSegmentAbandoned() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            long[][] blocks = new long[1][];
            run(() -> {
                blocks[0] = fillBlocks(a);
                a.threadDone();
            });
            run(() -> a.free(blocks[0][0]));
            assertEquals(1, engine(a).abandoned.count());
            assertEquals(0, SegmentProbes.reclaimedEver(engine(a).abandoned));
            for (int i = 1; i < BLOCKS; i++) {
                assertTrue(TestAllocators.check(blocks[0][i], 64, i));
                a.free(blocks[0][i]);
            }
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @Test
    void maxSegmentReclaimZeroMapsANewSegmentAndLeavesTheAbandonedOne() throws Exception {
        try (Allocator a = TestAllocators.builder().option(Option.MAX_SEGMENT_RECLAIM, 0).build()) {
            AbandonedSegments ab = engine(a).abandoned;
            long[][] blocks = new long[1][];
            run(() -> {
                blocks[0] = fillBlocks(a);
                a.threadDone();
            });
            run(() -> a.free(a.malloc(64)));
            assertEquals(1, ab.count(), "no reclaim search with max_segment_reclaim=0");
            assertEquals(0, SegmentProbes.reclaimedEver(ab));
            assertEquals(2, StatsProbes.segments(st(a)) + SegmentProbes.freedEver(engine(a).abandoned));
            checkAndFree(a, blocks[0]);
            a.collect(true);
            assertEquals(0, ab.count(), "a collection still gives the emptied segment back");
        }
    }

    @Test
    void firstClassHeapsAreDeletedAtThreadDoneAndTheirBlocksStayValid() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            long[] p = new long[2];
            dev.nalloc.api.Heap[] h = new dev.nalloc.api.Heap[1];
            run(() -> {
                h[0] = a.newHeap();
                p[0] = h[0].malloc(500);
                p[1] = h[0].malloc(70_000);
                TestAllocators.fill(p[0], 500, 1);
                TestAllocators.fill(p[1], 70_000, 2);
                a.threadDone();
                IllegalStateException gone = assertThrows(IllegalStateException.class, () -> h[0].malloc(8));
                assertTrue(gone.getMessage().startsWith("nalloc: the heap has been destroyed or deleted"), gone.getMessage());
                assertFalse(h[0].contains(p[0]));
            });
            assertTrue(TestAllocators.check(p[0], 500, 1));
            assertTrue(TestAllocators.check(p[1], 70_000, 2));
            assertEquals(2, engine(a).abandoned.pages());
            a.free(p[0]);
            a.free(p[1]);
            a.collect(true);
            assertEquals(0, StatsProbes.segments(st(a)));
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @Test
    void abandonedPagePurgeDecommitsTheFreeSpansOfAbandonedSegments() throws Exception {
        long[] committed = new long[2];
        for (int purge = 0; purge <= 1; purge++) {
            try (Allocator a = TestAllocators.builder().option(Option.ABANDONED_PAGE_PURGE, purge)
                    .option(Option.PURGE_DELAY, -1).option(Option.ARENA_EAGER_COMMIT, 0).build()) {
                long[][] blocks = new long[1][];
                run(() -> {
                    blocks[0] = fillBlocks(a);
                    long[] big = new long[20];
                    for (int i = 0; i < big.length; i++) {
                        big[i] = a.malloc(1 << 20); // commits slices that are free again at threadDone
                    }
                    for (long b : big) {
                        a.free(b);
                    }
                    a.threadDone();
                });
                committed[purge] = a.stats().committed();
                checkAndFree(a, blocks[0]);
            }
        }
        assertTrue(committed[1] + (16L << 20) <= committed[0],
                "abandoned_page_purge gave the free spans back: " + committed[1] + " vs " + committed[0]);
    }

    @Test
    void aDeadThreadsHeapInAnExclusiveArenaIsAbandonedButOnlyGivenBackNeverReclaimedElsewhere() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            AbandonedSegments ab = engine(a).abandoned;
            dev.nalloc.api.ArenaId exclusive = a.reserveOsMemory(64L << 20, true, true);
            long[] inArena = new long[100];
            long[][] plain = new long[1][];
            run(() -> {
                dev.nalloc.api.Heap h = a.newHeapInArena(exclusive);
                for (int i = 0; i < inArena.length; i++) {
                    inArena[i] = h.malloc(64);
                    TestAllocators.fill(inArena[i], 64, 1000 + i);
                }
                plain[0] = fillBlocks(a); // the thread's own space
            }); // dies holding both
            a.collect(false);
            assertEquals(2, ab.count(), "the arena-bound space's segment is abandoned too");
            Segment arenaSeg = SegmentMap.lookup(inArena[0]);
            Segment plainSeg = SegmentMap.lookup(plain[0][0]);
            long[] taken = new long[1];
            run(() -> taken[0] = a.malloc(64));
            assertSame(plainSeg, SegmentMap.lookup(taken[0]), "the ordinary segment was reclaimed");
            assertTrue(arenaSeg.getVolatileAbandoned(), "a segment of an exclusive arena is not taken by an ordinary heap");
            assertNull(arenaSeg.ownerThread());
            for (int i = 0; i < inArena.length; i++) {
                assertTrue(TestAllocators.check(inArena[i], 64, 1000 + i));
                a.free(inArena[i]);
            }
            a.collect(false);
            assertFalse(arenaSeg.getVolatileAbandoned());
            assertNull(SegmentMap.lookup(inArena[0]), "emptied, it went back to its arena");
            assertEquals(1, SegmentProbes.freedEver(ab));
            // The ordinary segment is abandoned again: its reclaimer ended (found by the same collect).
            assertEquals(1, ab.count());
            assertTrue(plainSeg.getVolatileAbandoned());
            checkAndFree(a, plain[0]);
            a.free(taken[0]);
            a.collect(false);
            assertEquals(0, ab.count());
            assertEquals(0, a.stats().allocationCount());
        }
    }
}
