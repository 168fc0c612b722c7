package dev.nalloc.core;

import dev.nalloc.api.AllocationSite;
import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorBuilder;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Heap;
import dev.nalloc.api.LeakDetection;
import dev.nalloc.api.LeakReport;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Leak detection: a leak made on purpose in a known method is reported with that method on top
 * of its stack (in the report, at close, at heap destroy), freed blocks never appear whatever
 * freed them, the sampled level records about its share, and the off level has no layer at all.
 */
class LeakDetectionTest {

    private static AllocatorBuilder builder(LeakDetection level) {
        return TestAllocators.builder().option(Option.LEAK_DETECTION, level.ordinal());
    }

    /** The leak on purpose: three blocks of 100 bytes that nobody frees. */
    private static long[] leakThreeBlocks(Allocator a) {
        return new long[]{a.malloc(100), a.malloc(100), a.malloc(100)};
    }

    /** Blocks allocated and freed again: they must never show. */
    private static void allocateAndFree(Allocator a) {
        long p = a.malloc(64);
        long q = a.zalloc(5000);
        long r = a.calloc(10, 30);
        a.free(q);
        a.free(p);
        a.free(r);
    }

    private static AllocationSite siteOf(LeakReport r, String method) {
        return r.sites().stream().filter(s -> s.top() != null && s.top().getMethodName().equals(method))
                .findFirst().orElseThrow(() -> new AssertionError("no site at " + method + " in\n" + r.render("report", 99)));
    }

    private static boolean hasSite(LeakReport r, String method) {
        return r.sites().stream().anyMatch(s -> s.stack().stream().anyMatch(e -> e.getMethodName().equals(method)));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aLeakIsReportedAtItsAllocatingMethodAndFreedBlocksNever(Mode mode) {
        try (Allocator a = builder(LeakDetection.ALL).mode(mode).build()) {
            long[] leaked = leakThreeBlocks(a);
            allocateAndFree(a);
            LeakReport r = a.leakReport();
            assertEquals(LeakDetection.ALL, r.level());
            AllocationSite s = siteOf(r, "leakThreeBlocks");
            assertEquals(LeakDetectionTest.class.getName(), s.top().getClassName());
            assertEquals(3, s.blocks());
            assertEquals(300, s.bytes());
            assertEquals(List.of(leaked[0], leaked[1], leaked[2]).stream().sorted().toList(), s.addresses());
            assertFalse(hasSite(r, "allocateAndFree"), r.render("report", 99));
            assertEquals(3, r.blocks(), r.render("report", 99));
            assertTrue(s.stack().size() > 1 && s.stack().size() <= 16, "the caller's frames follow, up to leak_stack_depth");
            for (long x : leaked) {
                a.free(x);
            }
            assertTrue(a.leakReport().isEmpty(), a.leakReport().render("after free", 9));
        }
    }

    @Test
    void offHasNoLayerAndReportsNothing() {
        try (Allocator a = builder(LeakDetection.OFF).build()) {
            assertFalse(a instanceof TrackingAllocator, "no tracking layer when off");
            assertInstanceOf(NallocAllocator.class, a);
            leakThreeBlocks(a);
            assertEquals(LeakDetection.OFF, a.leakReport().level());
            assertTrue(a.leakReport().isEmpty());
        }
        try (Allocator a = TestAllocators.builder().mode(Mode.SECURE).build()) {
            assertInstanceOf(SecureAllocator.class, a, "off is the default");
        }
    }

    @Test
    void closingWithLiveBlocksWarnsAndTellsTheErrorHandler() {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        Allocator a = builder(LeakDetection.ALL).name("leaky").errorHandler(h).build();
        long[] leaked = leakThreeBlocks(a);
        allocateAndFree(a);
        try (LogCapture log = LogCapture.of("dev.nalloc.leak")) {
            a.close();
            assertEquals(List.of("WARN"), log.levels());
            String warning = log.messages().get(0);
            assertTrue(warning.startsWith("nalloc: leak: instance 'leaky' closed: 3 live blocks (300 bytes requested) at 1 allocation site, leak_detection=all"), warning);
            assertTrue(warning.contains(LeakDetectionTest.class.getName() + ".leakThreeBlocks(LeakDetectionTest.java:"), warning);
            assertTrue(warning.contains("0x" + Long.toHexString(Math.min(leaked[0], Math.min(leaked[1], leaked[2])))), warning);
            assertFalse(warning.contains("allocateAndFree"), warning);
        }
        assertEquals(1, h.reports().size());
        assertEquals(ErrorKind.LEAK, h.last().kind());
        assertTrue(h.last().message().startsWith("nalloc: leak: instance 'leaky' closed: 3 live blocks"), h.last().message());
        assertEquals(0, a.stats().reserved(), "closed all the same");
        assertThrows(IllegalStateException.class, a::leakReport);
    }

    @Test
    void aThrowingHandlerFailsTheCloseAfterItCompletes() {
        Allocator a = builder(LeakDetection.ALL).errorHandler(ErrorHandler.throwing()).build();
        leakThreeBlocks(a);
        var e = assertThrows(dev.nalloc.api.AllocatorMisuseException.class, a::close);
        assertEquals(ErrorKind.LEAK, e.kind());
        assertEquals(0, a.stats().reserved(), "the memory went back before the report");
        a.close(); // closed: nothing more to say
    }

    @Test
    void closingWithoutLiveRecordedBlocksSaysNothing() {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        Allocator a = builder(LeakDetection.ALL).errorHandler(h).build();
        allocateAndFree(a);
        try (LogCapture log = LogCapture.of("dev.nalloc.leak")) {
            a.close();
            assertEquals(List.of(), log.messages());
        }
        assertEquals(List.of(), h.reports());
    }

    /** Blocks of a heap allocated in a known method. */
    private static void fillHeap(Heap h) {
        for (int i = 0; i < 5; i++) {
            h.malloc(48);
        }
        h.malloc(200_000); // a large page too
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void destroyingAHeapForgetsItsBlocksAndReportsThem(Mode mode) {
        ErrorHandler.Capturing handler = ErrorHandler.capturing();
        try (Allocator a = builder(LeakDetection.ALL).mode(mode).errorHandler(handler).build()) {
            long[] kept = leakThreeBlocks(a);
            Heap h = a.newHeap();
            assertEquals(a, h.allocator(), "the heap hands out the tracking instance");
            fillHeap(h);
            long moved = h.malloc(32);
            long grown = a.realloc(moved, 100_000); // moves into the default heap: survives the destroy
            assertNotEquals(moved, grown);
            assertTrue(hasSite(a.leakReport(), "fillHeap"));
            try (LogCapture log = LogCapture.of("dev.nalloc.leak")) {
                h.destroy();
                assertEquals(1, log.messages().size(), log.messages().toString());
                assertTrue(log.messages().get(0).contains("a heap of thread '" + Thread.currentThread().getName() + "'"), log.messages().get(0));
                assertTrue(log.messages().get(0).contains(": 6 live blocks (200240 bytes requested) at 2 allocation sites"), log.messages().get(0));
            }
            assertEquals(ErrorKind.LEAK, handler.last().kind());
            LeakReport r = a.leakReport();
            assertFalse(hasSite(r, "fillHeap"), r.render("after destroy", 9));
            assertEquals(3, siteOf(r, "leakThreeBlocks").blocks());
            assertEquals(4, r.blocks(), r.render("after destroy", 9));
            for (long x : kept) {
                a.free(x);
            }
            a.free(grown);
            assertTrue(a.leakReport().isEmpty());
        }
    }

    @Test
    void aDeletedHeapsBlocksStayRecorded() {
        try (Allocator a = builder(LeakDetection.ALL).build()) {
            Heap h = a.newHeap();
            fillHeap(h);
            h.close(); // mi_heap_delete: the blocks live on in the default heap
            assertEquals(6, siteOfAnyFrame(a.leakReport(), "fillHeap"));
        }
    }

    private static long siteOfAnyFrame(LeakReport r, String method) {
        return r.sites().stream().filter(s -> s.stack().stream().anyMatch(e -> e.getMethodName().equals(method)))
                .mapToLong(AllocationSite::blocks).sum();
    }

    private static void fillArena(Arena arena) {
        for (int i = 0; i < 10; i++) {
            arena.allocate(ValueLayout.JAVA_LONG, 8);
        }
        arena.allocateFrom("a string from an arena");
        arena.allocate(100_000, 4096);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void closingAnArenaForgetsItsSegmentsQuietly(Mode mode) {
        try (Allocator a = builder(LeakDetection.ALL).mode(mode).build()) {
            Arena arena = a.newArena();
            fillArena(arena);
            LeakReport open = a.leakReport();
            assertEquals(12, siteOfAnyFrame(open, "fillArena"), open.render("open arena", 9));
            assertTrue(open.sites().stream().allMatch(s -> s.top().getMethodName().equals("fillArena")),
                    "the JDK's SegmentAllocator frames are skipped: " + open.render("open arena", 9));
            try (LogCapture log = LogCapture.of("dev.nalloc.leak")) {
                arena.close();
                assertEquals(List.of(), log.messages());
            }
            assertTrue(a.leakReport().isEmpty(), a.leakReport().render("closed arena", 9));
            assertThrows(IllegalStateException.class, arena::close);
        }
    }

    @Test
    void segmentsOfTheInstanceAreRecordedAndForgotten() {
        try (Allocator a = builder(LeakDetection.ALL).build()) {
            MemorySegment s = a.allocate(ValueLayout.JAVA_INT, 100);
            MemorySegment t = a.allocateFrom("hello");
            assertEquals(2, a.leakReport().blocks());
            assertEquals(400 + 6, a.leakReport().bytes());
            a.free(s);
            a.free(t);
            assertTrue(a.leakReport().isEmpty());
        }
    }

    @Test
    void theRecordFollowsItsBlockThroughRealloc() {
        try (Allocator a = builder(LeakDetection.ALL).build()) {
            long p = leakThreeBlocks(a)[0];
            long q = a.realloc(p, 50_000);
            assertNotEquals(p, q);
            LeakReport r = a.leakReport();
            AllocationSite s = siteOf(r, "leakThreeBlocks");
            assertEquals(3, s.blocks(), "the moved block keeps its allocation site");
            assertEquals(200 + 50_000, s.bytes());
            assertTrue(s.addresses().contains(q) && !s.addresses().contains(p));
            assertEquals(q, a.realloc(q, 40_000), "in place");
            assertEquals(200 + 40_000, a.leakReport().bytes());
            assertEquals(0, a.realloc(q, Long.MAX_VALUE / 4), "failed: the old block stays");
            assertEquals(200 + 40_000, a.leakReport().bytes());
            long fresh = a.realloc(0, 10); // realloc of 0 is malloc: recorded here
            assertTrue(siteOf(a.leakReport(), "theRecordFollowsItsBlockThroughRealloc").addresses().contains(fresh));
            long aligned = a.reallocAligned(fresh, 5000, 4096);
            assertEquals(0, aligned & 4095);
            assertTrue(siteOf(a.leakReport(), "theRecordFollowsItsBlockThroughRealloc").addresses().contains(aligned));
            assertEquals(aligned, a.expand(aligned, 5100));
            a.free(aligned);
            long x = a.reallocf(q, Long.MAX_VALUE / 4); // fails and frees
            assertEquals(0, x);
            assertEquals(2, a.leakReport().blocks());
        }
    }

    @Test
    void blocksFreedOnOtherThreadsLeaveTheReport() throws Exception {
        try (Allocator a = builder(LeakDetection.ALL).build()) {
            long[] p = leakThreeBlocks(a);
            TestThreads.runOnNewThread(() -> {
                for (long x : p) {
                    a.free(x);
                }
            });
            assertTrue(a.leakReport().isEmpty());
            long[] theirs = new long[1];
            TestThreads.runOnNewThread(() -> theirs[0] = leakThreeBlocks(a)[1]);
            assertEquals(3, siteOf(a.leakReport(), "leakThreeBlocks").blocks(), "another thread's leak is seen");
        }
    }

    @Test
    void theSampledLevelRecordsAboutItsShare() {
        int n = 40_000;
        try (Allocator a = builder(LeakDetection.SAMPLED).option(Option.LEAK_SAMPLE_RATE, 10).build()) {
            long[] p = new long[n];
            for (int i = 0; i < n; i++) {
                p[i] = a.malloc(16 + (i & 255));
            }
            LeakReport r = a.leakReport();
            assertEquals(LeakDetection.SAMPLED, r.level());
            assertEquals(10, r.sampleRate());
            // binomial(40000, 0.1): mean 4000, standard deviation 60; +-10 % is more than 6 of them
            assertTrue(r.blocks() > 3600 && r.blocks() < 4400, "recorded " + r.blocks() + " of " + n);
            Set<Long> live = new HashSet<>();
            for (long x : p) {
                live.add(x);
            }
            for (AllocationSite s : r.sites()) {
                assertTrue(live.containsAll(s.addresses()));
            }
            assertTrue(r.render("sampled", 1).contains("leak_detection=sampled (one allocation in 10 recorded)"));
            for (int i = 0; i < n; i += 2) {
                a.free(p[i]);
            }
            long half = a.leakReport().blocks();
            assertTrue(half > 1600 && half < 2400, "half freed: " + half);
            for (int i = 1; i < n; i += 2) {
                a.free(p[i]);
            }
            assertTrue(a.leakReport().isEmpty());
        }
    }

    @Test
    void atMostLeakMaxRecordsAreKept() {
        try (Allocator a = builder(LeakDetection.ALL).option(Option.LEAK_MAX_RECORDS, 5).build()) {
            List<Long> p = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                p.add(a.malloc(10));
            }
            LeakReport r = a.leakReport();
            assertEquals(5, r.blocks());
            assertEquals(7, r.unrecorded());
            assertTrue(r.render("capped", 3).contains("7 allocations were not recorded (leak_max_records reached)"));
            p.forEach(a::free);
            assertTrue(a.leakReport().isEmpty());
            long q = a.malloc(10);
            assertEquals(1, a.leakReport().blocks(), "room again");
            a.free(q);
        }
    }

    @Test
    void stacksAreCutAtLeakStackDepth() {
        try (Allocator a = builder(LeakDetection.ALL).option(Option.LEAK_STACK_DEPTH, 2).build()) {
            leakThreeBlocks(a);
            AllocationSite s = siteOf(a.leakReport(), "leakThreeBlocks");
            assertEquals(2, s.stack().size());
            assertEquals("stacksAreCutAtLeakStackDepth", s.stack().get(1).getMethodName());
        }
    }
}
