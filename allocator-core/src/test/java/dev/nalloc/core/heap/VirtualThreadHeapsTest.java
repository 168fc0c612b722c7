package dev.nalloc.core.heap;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Option;
import dev.nalloc.core.Soak;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestEngines;
import dev.nalloc.core.TestPolicies;
import dev.nalloc.core.TestThreads;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.core.stats.StatsSnapshot;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.HeapSelectionPolicy;
import dev.nalloc.core.stats.StatsProbes;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Virtual threads share a bounded set of heaps (the default {@link HeapSelectionPolicy}); platform
 * threads keep heaps of their own. Soak knob: {@code nalloc.vthreads} (default 100000).
 */
class VirtualThreadHeapsTest {

    private static final int VTHREADS = Integer.getInteger("nalloc.vthreads", 100_000);

    private static StatsSnapshot st(Allocator a) {
        return (StatsSnapshot) a.stats();
    }

    private static TestEngines.View engine(Allocator a) {
        return TestEngines.of(a);
    }

    /** Each task allocates four blocks of 16 to 512 bytes, fills, checks and frees them. */
    private static void smallWork(Allocator a, int id) {
        long[] p = new long[4];
        for (int k = 0; k < p.length; k++) {
            long size = 16L << ((id + k) % 6);
            p[k] = a.malloc(size);
            TestAllocators.fill(p[k], size, id * 4L + k);
        }
        for (int k = 0; k < p.length; k++) {
            long size = 16L << ((id + k) % 6);
            if (!TestAllocators.check(p[k], size, id * 4L + k)) {
                throw new AssertionError("block of task " + id + " overwritten");
            }
            a.free(p[k]);
        }
    }

    @Test
    void aHundredThousandVirtualThreadsShareBoundedHeapsAndLeaveLittleCommitted() throws Exception {
        ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
        try (Allocator a = TestAllocators.builder().errorHandler(errors).option(Option.ARENA_EAGER_COMMIT, 0).build()) {
            TestEngines.View e = engine(a);
            long committedBefore = a.stats().committed();
            AtomicLong peakSegments = new AtomicLong();
            // The threads are joined, not only their tasks: a lease whose holder is still finishing
            // (runnable) cannot be taken over, so a collect would skip its heap.
            TestThreads.runAll(Thread.ofVirtual(), VTHREADS, id -> {
                smallWork(a, id);
                if (id % 1000 == 0) {
                    peakSegments.accumulateAndGet(StatsProbes.segments(st(a)), Math::max);
                }
            });
            long segmentsAfterRun = StatsProbes.segments(st(a));
            int shared = e.threads.leaseCount();
            int registered = e.registry.size();
            long committedAfterRun = a.stats().committed();
            a.collect(true);
            long committedAfterCollect = a.stats().committed();
            System.out.printf("%d virtual threads on %d shared heaps: peak segments %d, committed %d KiB after the run, "
                            + "%d KiB after collect(true) (before: %d KiB), thread data %d%n",
                    VTHREADS, shared, Math.max(peakSegments.get(), segmentsAfterRun), committedAfterRun >> 10,
                    committedAfterCollect >> 10, committedBefore >> 10, registered);
            // No virtual thread got thread data of its own: nothing per thread is kept or registered.
            assertEquals(0, registered);
            assertEquals(0, e.registry.retired());
            // Each shared heap needs at most one segment for this working set (4 small blocks per holder).
            assertTrue(Math.max(peakSegments.get(), segmentsAfterRun) <= shared,
                    "segments " + peakSegments.get() + " > shared heaps " + shared);
            assertTrue(committedAfterRun <= shared * Layout.SEGMENT_SIZE);
            // All blocks are free: collect(true) empties every shared heap's pages, gives their
            // segments back and purges them, so nothing is left committed beyond what was before.
            assertEquals(0, a.stats().allocationCount());
            assertEquals(0, StatsProbes.segments(st(a)));
            assertTrue(committedAfterCollect <= committedBefore,
                    "committed " + committedAfterCollect + " > " + committedBefore + " before the run");
            assertTrue(errors.reports().isEmpty(), errors.reports().toString());
        }
    }

    @Test
    void virtualThreadBlocksAreFreeableEverywhereAndSharedSegmentsHaveNoOwner() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            long[] p = new long[3];
            TestThreads.runOn(Thread.ofVirtual(), () -> {
                p[0] = a.malloc(100);
                p[1] = a.malloc(100_000);
                p[2] = a.calloc(10, 10);
                TestAllocators.fill(p[0], 100, 1);
            });
            assertNull(SegmentMap.lookup(p[0]).ownerThread(), "a shared heap's segment belongs to no thread");
            assertTrue(TestAllocators.check(p[0], 100, 1));
            assertTrue(TestAllocators.isZero(p[2], 100));
            assertEquals(3, a.stats().allocationCount());
            for (long q : p) {
                a.free(q); // a platform thread frees them (remote frees into the shared heap's pages)
            }
            assertEquals(0, a.stats().allocationCount());
            assertEquals(0, engine(a).registry.size(), "neither thread needed thread data");
        }
    }

    @Test
    void everyAllocatorEntryPointWorksOnAVirtualThread() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            TestThreads.runOn(Thread.ofVirtual(), () -> {
                long z = a.zalloc(300);
                assertTrue(TestAllocators.isZero(z, 300));
                long n = a.mallocn(4, 8);
                long al = a.mallocAligned(100, 4096);
                assertEquals(0, al & 4095);
                long at = a.mallocAlignedAt(100, 256, 8);
                assertEquals(0, (at + 8) & 255);
                long za = a.zallocAligned(64, 128);
                long r = a.realloc(n, 5000);
                long ra = a.reallocAligned(za, 3000, 1024);
                assertEquals(0, ra & 1023);
                long f = a.reallocf(0, 10);
                MemorySegment s = a.allocate(48, 16);
                a.free(s);
                IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> a.malloc(-1));
                assertTrue(neg.getMessage().startsWith("nalloc: negative size"), neg.getMessage());
                for (long q : new long[] {z, al, at, r, ra, f}) {
                    a.free(q);
                }
                a.collect(false);
                assertEquals(0, a.stats().allocationCount());
            });
            // The failed malloc(-1) left its lease usable: the thread ended, so every lease can be taken over.
            ThreadHeaps threads = engine(a).threads;
            assertEquals(threads.leaseCount(), threads.forEachLeaseNow(h -> { }), "a lease was left busy");
        }
    }

    @Test
    void threadDoneOnAVirtualThreadOnSharedHeapsChangesNothingAndItMayGoOn() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            long[] p = new long[2];
            TestThreads.runOn(Thread.ofVirtual(), () -> {
                p[0] = a.malloc(64);
                a.threadDone(); // no thread data to retire: the shared heaps stay as they are
                p[1] = a.malloc(64);
            });
            assertEquals(0, engine(a).registry.size());
            assertEquals(0, engine(a).registry.retired());
            assertEquals(0, engine(a).abandoned.count());
            a.free(p[0]);
            a.free(p[1]);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @Test
    void aVirtualThreadThatAsksForAHeapGetsOneOfItsOwnAndIsReapedWhenItEnds() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            long[] p = new long[2];
            TestThreads.runOn(Thread.ofVirtual(), () -> {
                Heap h = a.heap();
                p[0] = h.malloc(64);
                p[1] = a.malloc(64); // from now on its own heap serves it
                assertTrue(h.contains(p[1]));
                try (Arena arena = a.newArena()) {
                    arena.allocate(1000);
                }
                assertSame(Thread.currentThread(), SegmentMap.lookup(p[0]).ownerThread());
            });
            assertEquals(1, engine(a).registry.size());
            a.collect(false); // the ended virtual thread is found and its segment abandoned
            assertEquals(1, engine(a).registry.retired());
            assertEquals(1, engine(a).abandoned.count());
            a.free(p[0]);
            a.free(p[1]);
            a.collect(true);
            assertEquals(0, StatsProbes.segments(st(a)));
        }
    }

    @Test
    void aPolicyThatSharesOneHeapAmongPlatformThreadsStillGivesEachUseExclusively() throws Exception {
        // never more than one: the threads take turns (a holder keeps it while it runs)
        HeapSelectionPolicy oneShared = TestPolicies.sharedOnly(1, 1);
        ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
        try (Allocator a = TestAllocators.builder().heapSelectionPolicy(oneShared).errorHandler(errors).build()) {
            TestThreads.runAll(Thread.ofPlatform(), 4, seed -> {
                for (int i = 0; i < 20_000; i++) {
                    smallWork(a, seed * 1_000_000 + i);
                }
            });
            assertEquals(0, a.stats().allocationCount());
            assertEquals(0, engine(a).registry.size());
            assertTrue(StatsProbes.segments(st(a)) <= 1, "one shared heap, one segment");
            assertTrue(errors.reports().isEmpty(), errors.reports().toString());
        }
    }

    @Test
    void theEveryThreadOwnsHeapPolicyGivesVirtualThreadsHeapsOfTheirOwn() throws Exception {
        try (Allocator a = TestAllocators.builder().heapSelectionPolicy(HeapSelectionPolicy.everyThreadOwnsHeap()).build()) {
            long[] p = new long[1];
            TestThreads.Running vt = TestThreads.start(Thread.ofVirtual(), () -> p[0] = a.malloc(64));
            vt.join();
            assertSame(vt.thread(), SegmentMap.lookup(p[0]).ownerThread());
            a.free(p[0]);
        }
    }

    @Test
    void aPolicyWithoutSharedHeapsIsRefused() {
        HeapSelectionPolicy none = TestPolicies.of(t -> true, 0, 0, t -> 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TestAllocators.builder().heapSelectionPolicy(none).build());
        assertTrue(e.getMessage().startsWith("nalloc: at least one shared heap is needed, not 0"), e.getMessage());
    }
}
