package dev.nalloc.core.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Option;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestEngines;
import dev.nalloc.core.TestThreads;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The statistics match what a workload did: exact figures exactly (OS calls, segments, huge blocks,
 * generic calls, errors, threads), derived per-bin totals exactly once the owner threads collected.
 */
class StatsCountersTest {

    private static StatsSnapshot stats(Allocator a) {
        return (StatsSnapshot) a.stats();
    }

    private static AllocatorStats.Bin bin(StatsSnapshot s, long blockSize) {
        return s.bins().stream().filter(b -> b.blockSize() == blockSize).findFirst().orElse(null);
    }

    @Test
    void perBinTotalsAreExactAfterTheOwnerCollects() {
        try (Allocator a = TestAllocators.create()) {
            long[] ptr = new long[1000];
            for (int i = 0; i < ptr.length; i++) {
                ptr[i] = a.malloc(64);
            }
            long bs = a.usableSize(ptr[0]);
            AllocatorStats.Bin b = bin(stats(a), bs);
            assertNotNull(b, "the bin of 64-byte blocks is listed");
            // the peak may count the rest of the last carved batch (64 blocks of 64 B): see docs/statistics.md#peaks
            assertEquals(new AllocatorStats.Count(1000, b.blocks().peak(), 1000, 0), b.blocks());
            assertTrue(b.blocks().peak() >= 1000 && b.blocks().peak() < 1064, "peak " + b.blocks().peak());
            long peak = b.blocks().peak();
            for (int i = 0; i < 400; i++) {
                a.free(ptr[i]);
            }
            assertEquals(600, bin(stats(a), bs).blocks().current(), "current is exact at once");
            a.collect(true);
            b = bin(stats(a), bs);
            assertEquals(new AllocatorStats.Count(600, peak, 1000, 400), b.blocks());
            for (int i = 0; i < 400; i++) {
                ptr[i] = a.malloc(64);
            }
            for (long p : ptr) {
                a.free(p);
            }
            a.collect(true);
            StatsSnapshot s = stats(a);
            b = bin(s, bs);
            assertEquals(1400, b == null ? 0 : b.blocks().allocated());
            assertEquals(1400, b == null ? 0 : b.blocks().freed());
            assertEquals(0, s.count("normal_count").current());
            assertEquals(1400, s.count("normal_count").allocated());
        }
    }

    @Test
    void blocksDestroyedWithTheirArenaOrHeapCountAsAllocatedAndFreed() {
        try (Allocator a = TestAllocators.create()) {
            long bs = a.goodSize(48);
            // Pooled arena heaps are rewound on close (their count stays on the page), and reused.
            for (int round = 0; round < 50; round++) {
                try (java.lang.foreign.Arena arena = a.newArena()) {
                    for (int k = 0; k < 3; k++) {
                        arena.allocate(48, 8);
                    }
                }
            }
            // A heap whose page saw frees cannot be rewound: destroy resets it (counted as the page ending).
            dev.nalloc.api.Heap h = a.newHeap();
            long[] p = new long[10];
            for (int i = 0; i < p.length; i++) {
                p[i] = h.malloc(48);
            }
            a.free(p[3]);
            h.destroy();
            a.collect(true);
            AllocatorStats.Bin b = bin(stats(a), bs);
            assertNotNull(b);
            assertEquals(0, b.blocks().current());
            assertEquals(50 * 3 + 10, b.blocks().allocated());
            assertEquals(50 * 3 + 10, b.blocks().freed());
        }
    }

    @Test
    void randomWorkloadWithRemoteFreesMatchesPerSizeClass() throws Exception {
        SplittableRandom rnd = new SplittableRandom(7);
        try (Allocator a = TestAllocators.create()) {
            Map<Long, long[]> expected = new HashMap<>(); // blockSize -> {allocated, freed}
            List<Long> live = new ArrayList<>();
            List<Long> toRemote = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                if (live.isEmpty() || rnd.nextInt(100) < 55) {
                    long size = rnd.nextInt(100) < 90 ? 1 + rnd.nextInt(1024) : 1025 + rnd.nextInt(60_000);
                    long p = a.malloc(size);
                    live.add(p);
                    expected.computeIfAbsent(a.usableSize(p), k -> new long[2])[0]++;
                } else {
                    int k = rnd.nextInt(live.size());
                    long p = live.get(k);
                    live.set(k, live.get(live.size() - 1));
                    live.remove(live.size() - 1);
                    expected.get(a.usableSize(p))[1]++;
                    if (rnd.nextInt(4) == 0) {
                        toRemote.add(p);
                    } else {
                        a.free(p);
                    }
                }
            }
            TestThreads.runOnNewThread(() -> toRemote.forEach(a::free));
            a.collect(true);
            StatsSnapshot s = stats(a);
            long liveBlocks = 0;
            for (Map.Entry<Long, long[]> e : expected.entrySet()) {
                AllocatorStats.Bin b = bin(s, e.getKey());
                assertNotNull(b, "bin of " + e.getKey());
                long[] ex = e.getValue();
                assertEquals(ex[0], b.blocks().allocated(), "allocated of " + e.getKey());
                assertEquals(ex[1], b.blocks().freed(), "freed of " + e.getKey());
                assertEquals(ex[0] - ex[1], b.blocks().current(), "current of " + e.getKey());
                liveBlocks += ex[0] - ex[1];
            }
            assertEquals(live.size(), liveBlocks);
            assertEquals(live.size(), s.allocationCount());
            assertEquals(s.allocationCount(), s.count("blocks").current());
            assertEquals(s.allocated(), s.count("allocated").current());
            for (long p : live) {
                a.free(p);
            }
        }
    }

    @Test
    void hugeBlocksSegmentsAndOsCallsAreCountedExactly() {
        try (Allocator a = TestAllocators.builder().option(Option.DISALLOW_ARENA_ALLOC, 1).build()) {
            StatsSnapshot s0 = stats(a);
            assertEquals(0, s0.counter("mmap_calls"));
            long p = a.malloc(40L << 20);
            long q = a.malloc(100);
            StatsSnapshot s1 = stats(a);
            assertEquals(2, s1.counter("mmap_calls"), "one huge segment and one ordinary segment");
            assertEquals(2, s1.counter("segments_from_os"));
            assertEquals(0, s1.counter("segments_from_arena"));
            assertEquals(new AllocatorStats.Count(2, 2, 2, 0), s1.count("segments"));
            assertEquals(new AllocatorStats.Count(1, 1, 1, 0), s1.count("huge_segments"));
            assertEquals(1, s1.count("huge_count").current());
            assertEquals(a.usableSize(p), s1.count("huge").current());
            assertEquals(s1.reserved(), s1.count("reserved").allocated(), "nothing released yet");
            a.free(p);
            StatsSnapshot s2 = stats(a);
            assertEquals(1, s2.counter("munmap_calls"));
            assertEquals(new AllocatorStats.Count(0, 1, 1, 1), s2.count("huge_count"));
            assertEquals(new AllocatorStats.Count(1, 2, 2, 1), s2.count("segments"));
            assertEquals(s2.count("reserved").allocated() - s2.count("reserved").freed(), s2.reserved());
            a.free(q);
        }
    }

    @Test
    void genericPathCollectAndPagesAreCounted() {
        try (Allocator a = TestAllocators.create()) {
            a.free(a.malloc(16)); // the thread's heap exists
            StatsSnapshot s0 = stats(a);
            long[] p = new long[3];
            for (int i = 0; i < 3; i++) {
                p[i] = a.malloc(5000); // above the small sizes: always the generic path
            }
            StatsSnapshot s1 = stats(a);
            assertEquals(3, s1.counter("generic_calls") - s0.counter("generic_calls"));
            assertEquals(15_000, s1.counter("generic_bytes") - s0.counter("generic_bytes"));
            assertTrue(s1.pages() > s0.pages(), "a page of 5000-byte blocks");
            assertTrue(s1.counter("pages_extended") > s0.counter("pages_extended"));
            a.collect(false);
            assertEquals(1, stats(a).counter("collect_calls") - s1.counter("collect_calls"), "one heap, one collect");
            for (long x : p) {
                a.free(x);
            }
            a.collect(true);
            StatsSnapshot s2 = stats(a);
            assertEquals(s2.count("pages").allocated() - s2.count("pages").freed(), s2.pages());
        }
    }

    @Test
    void purgesAreCounted() {
        try (Allocator a = TestAllocators.builder().option(Option.PURGE_DELAY, 0).build()) {
            long[] p = new long[64];
            for (int i = 0; i < p.length; i++) {
                p[i] = a.malloc(100_000);
            }
            for (long x : p) {
                a.free(x);
            }
            a.collect(true);
            StatsSnapshot s = stats(a);
            assertTrue(s.counter("purge_calls") > 0, s.toJson());
            assertTrue(s.counter("purged_bytes") >= 64 * 1024, s.toJson());
            assertTrue(s.counter("decommit_calls") + s.counter("reset_calls") > 0, s.toJson());
        }
    }

    @Test
    void errorsAreCountedByKind() {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        try (Allocator a = TestAllocators.capturing(h)) {
            long p = a.malloc(64);
            a.free(p + 8);
            assertEquals(0, a.malloc(Long.MAX_VALUE / 2));
            StatsSnapshot s = stats(a);
            assertEquals(1, s.counter("misuse"));
            assertEquals(1, s.counter("out_of_memory"));
            assertEquals(ErrorKind.UNALIGNED_FREE, h.reports().get(0).kind());
            a.free(p);
        }
    }

    @Test
    void threadsAreCountedAndEndedThreadsNoticed() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            a.free(a.malloc(8));
            TestThreads.runOnNewThread(() -> {
                long x = a.malloc(8);
                a.free(x);
                a.threadDone();
            });
            AllocatorStats.Count threads = stats(a).count("threads");
            assertEquals(new AllocatorStats.Count(1, 2, 2, 1), threads);
        }
    }

    @Test
    void countersOfARetiredThreadOutliveItsData() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            TestEngines.View engine = TestEngines.of(a);
            long[] mine = new long[100];
            for (int i = 0; i < mine.length; i++) {
                mine[i] = a.malloc(64);
            }
            dev.nalloc.core.heap.ThreadData[] theirs = new dev.nalloc.core.heap.ThreadData[1];
            TestThreads.runOnNewThread(() -> {
                for (int i = 0; i < 30; i++) {
                    a.free(mine[i]); // remote frees: subtracted in this thread's counters
                }
                for (int i = 0; i < 10; i++) {
                    a.free(a.malloc(5000));
                }
                a.threadDone();
                theirs[0] = engine.currentThreadData();
            });
            a.collect(true);
            StatsSnapshot before = stats(a);
            assertEquals(70, before.allocationCount());
            engine.stats.retireThread(theirs[0].counters); // what dropping the thread's data must do first
            assertEquals(0, theirs[0].counters.genericCalls(), "moved out");
            StatsSnapshot after = stats(a);
            assertEquals(before.bins(), after.bins());
            assertEquals(before.counters(), after.counters());
            assertEquals(before.count("blocks"), after.count("blocks"));
            assertEquals(before.count("threads"), after.count("threads"), "the ended thread is counted once");
            for (int i = 30; i < mine.length; i++) {
                a.free(mine[i]);
            }
        }
    }

    @Test
    void closedInstanceReportsNothingReservedAndKeepsItsName() {
        Allocator a = TestAllocators.builder().name("closing-test").build();
        a.free(a.malloc(100));
        a.close();
        StatsSnapshot s = stats(a);
        assertEquals("closing-test", s.name());
        assertEquals(0, s.reserved());
        assertEquals(0, s.committed());
        assertNotEquals(0, s.count("reserved").allocated());
        assertEquals(s.count("reserved").allocated(), s.count("reserved").freed());
    }
}
