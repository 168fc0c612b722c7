package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.DeferredFree;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.api.OptionValues;
import dev.nalloc.core.arena.Arenas;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.core.segment.SegmentProbes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An instance's options read and changed at run time (mimalloc's {@code mi_option_get},
 * {@code mi_option_set}), each runtime option acting from then on; the deferred free function
 * ({@code mi_register_deferred_free}); huge OS pages reserved at run time
 * ({@code mi_reserve_huge_os_pages_at}, {@code _interleave}); the version.
 */
class RuntimeOptionsTest {

    private static final long MIB = 1L << 20;

    @Test
    void optionsReadAsBuiltAndAsChanged() {
        try (Allocator a = TestAllocators.builder().option(Option.PURGE_DELAY, 25).build()) {
            assertEquals(25, a.option(Option.PURGE_DELAY));
            assertEquals(Option.GENERIC_COLLECT.defaultValue(), a.option(Option.GENERIC_COLLECT));
            assertEquals(256L << 20, a.option(Option.ARENA_RESERVE), "the test builder's arena_reserve");
            assertEquals(100, a.option(Option.OS_TAG));
            assertEquals(0, a.option(Option.TARGET_SEGMENTS_PER_THREAD));
            OptionValues before = a.options();
            assertTrue(before.isExplicit(Option.PURGE_DELAY));
            assertFalse(before.isExplicit(Option.GENERIC_COLLECT));
            a.setOption(Option.GENERIC_COLLECT, 5);
            a.setOption(Option.PURGE_DELAY, -1);
            assertEquals(5, a.option(Option.GENERIC_COLLECT));
            assertEquals(-1, a.option(Option.PURGE_DELAY));
            OptionValues after = a.options();
            assertEquals(5, after.get(Option.GENERIC_COLLECT));
            assertTrue(after.isExplicit(Option.GENERIC_COLLECT));
            assertEquals(Option.GENERIC_COLLECT.defaultValue(), before.get(Option.GENERIC_COLLECT), "a snapshot does not change");
        }
    }

    @Test
    void onlyRuntimeOptionsChangeAndOnlyToValuesOfTheirKind() {
        try (Allocator a = TestAllocators.create()) {
            for (Option o : Option.values()) {
                if (!o.isRuntime()) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.setOption(o, o.defaultValue()));
                    assertTrue(e.getMessage().startsWith("nalloc: option " + o.optionName() + " is fixed when an allocator is built"),
                            e.getMessage());
                }
            }
            assertThrows(IllegalArgumentException.class, () -> a.setOption(Option.VERBOSE, 2));
            assertThrows(IllegalArgumentException.class, () -> a.setOption(Option.ARENA_RESERVE, -1));
            assertThrows(IllegalArgumentException.class, () -> a.setOption(Option.PURGE_DELAY, -2));
            assertThrows(NullPointerException.class, () -> a.setOption(null, 0));
            assertThrows(NullPointerException.class, () -> a.option(null));
            assertEquals(Option.VERBOSE.defaultValue(), a.option(Option.VERBOSE), "a refused value leaves the option alone");
        }
        Allocator closed = TestAllocators.create();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.option(Option.VERBOSE));
        assertThrows(IllegalStateException.class, closed::options);
        assertThrows(IllegalStateException.class, () -> closed.setOption(Option.VERBOSE, 1));
        assertThrows(IllegalStateException.class, () -> closed.registerDeferredFree(null));
        assertThrows(IllegalStateException.class, () -> closed.reserveHugeOsPagesAt(1, 0, 10));
    }

    @Test
    void purgeDelayChangedAtRunTimeActsOnTheNextFree() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = TestAllocators.builder().os(os).option(Option.PURGE_DELAY, -1).build()) {
            long[] p = {a.malloc(MIB), a.malloc(MIB), a.malloc(MIB), a.malloc(MIB)}; // the last keeps the segment in use
            a.free(p[0]);
            os.advanceMillis(10_000);
            a.collect(false);
            assertEquals(0, os.decommittedIn(p[0], MIB), "purge_delay -1: never purged but by a forced collect");
            a.setOption(Option.PURGE_DELAY, 0);
            a.free(p[1]);
            assertEquals(MIB, os.decommittedIn(p[1], MIB), "purge_delay 0: purged at the free");
            a.setOption(Option.PURGE_DECOMMITS, 0);
            a.free(p[2]);
            assertEquals(0, os.decommittedIn(p[2], MIB));
            assertEquals(MIB, os.resetIn(p[2], MIB), "purge_decommits 0: reset instead");
        }
    }

    @Test
    void disallowOsAllocAndArenaReserveActOnTheNextSegment() {
        ErrorHandler.Capturing errors = ErrorHandler.capturing();
        try (Allocator a = TestAllocators.builder().errorHandler(errors).build()) {
            a.setOption(Option.DISALLOW_OS_ALLOC, 1);
            assertEquals(0, a.malloc(100), "no arena yet and no OS memory allowed");
            assertEquals(ErrorKind.OUT_OF_MEMORY, errors.last().kind());
            a.setOption(Option.DISALLOW_OS_ALLOC, 0);
            a.setOption(Option.ARENA_RESERVE, 64 * MIB);
            long p = a.malloc(100);
            assertNotEquals(0, p);
            Arenas arenas = ((NallocAllocator) a).engine().arenas;
            assertEquals(64 * MIB, arenas.get(0).size(), "the first arena has the new arena_reserve");
            a.free(p);
        }
    }

    @Test
    void verboseAndShowErrorsChangedAtRunTimeLog() {
        try (LogCapture core = LogCapture.of("dev.nalloc.core"); LogCapture errors = LogCapture.of("dev.nalloc");
             Allocator a = TestAllocators.builder().errorHandler(ErrorHandler.capturing()).build()) {
            a.setOption(Option.VERBOSE, 1);
            a.reserveOsMemory(32 * MIB, false, false);
            a.setOption(Option.SHOW_ERRORS, 1);
            a.free(12345);
            assertTrue(errors.messages().stream().anyMatch(m -> m.startsWith("nalloc: invalid free")), errors.messages().toString());
            a.setOption(Option.SHOW_ERRORS, 0);
            int before = errors.messages().size();
            a.free(12345);
            assertEquals(before, errors.messages().size(), "show_errors off again: not logged");
        }
    }

    @Test
    void maxSegmentReclaimAndReclaimOnFreeChangeHowAbandonedSegmentsAreTaken() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            Engine engine = ((NallocAllocator) a).engine();
            a.setOption(Option.MAX_SEGMENT_RECLAIM, 0); // the second thread does not take the first one's segment
            long[] left = new long[2];
            for (int i = 0; i < 2; i++) {
                int k = i;
                TestThreads.runOnNewThread(() -> {
                    left[k] = a.malloc(100);
                    a.threadDone(); // its segment is abandoned with the block in it
                });
            }
            assertEquals(2, engine.abandoned.count());
            long first = a.malloc(8 * MIB); // this thread's first segment: nothing reclaimed
            assertEquals(2, engine.abandoned.count(), "max_segment_reclaim 0: no reclaim");
            a.setOption(Option.MAX_SEGMENT_RECLAIM, 100);
            List<Long> large = new ArrayList<>();
            while (engine.abandoned.count() == 2 && large.size() < 8) { // until a new segment is needed
                large.add(a.malloc(8 * MIB));
            }
            assertEquals(1, engine.abandoned.count(), "max_segment_reclaim 100: an abandoned segment was taken over");
            a.setOption(Option.ABANDONED_RECLAIM_ON_FREE, 1);
            long reclaimed = SegmentProbes.reclaimedEver(engine.abandoned);
            for (long p : left) {
                a.free(p);
            }
            assertEquals(0, engine.abandoned.count());
            assertTrue(SegmentProbes.reclaimedEver(engine.abandoned) > reclaimed, "the free took the abandoned segment over");
            a.free(first);
            large.forEach(a::free);
        }
    }

    // ================================================================== deferred free

    @ParameterizedTest
    @EnumSource(Mode.class)
    void theDeferredFreeFunctionIsCalledEveryHundredGenericAllocationsAndAtCollections(Mode mode) {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            List<String> calls = new ArrayList<>();
            List<Long> deferred = new ArrayList<>();
            int[] depth = {0, 0};
            a.registerDeferredFree((force, heartbeat) -> {
                depth[0]++;
                depth[1] = Math.max(depth[1], depth[0]);
                calls.add(force + "@" + heartbeat);
                for (long p : deferred) { // frees what the program deferred
                    a.free(p);
                }
                deferred.clear();
                for (int i = 0; i < 150; i++) { // 150 generic allocations: never a nested call
                    a.free(a.malloc(3000));
                }
                depth[0]--;
            });
            for (int i = 0; i < 99; i++) {
                deferred.add(a.malloc(3000)); // 3000 bytes: every one takes the generic path
            }
            assertEquals(List.of(), calls, "99 generic allocations: not yet");
            deferred.add(a.malloc(3000));
            assertEquals(1, calls.size(), "the 100th: called");
            assertEquals(1, deferred.size(), "it freed the 99 deferred before; the 100th came after the call");
            for (int i = 0; i < 400; i++) {
                deferred.add(a.malloc(3000));
            }
            assertTrue(calls.size() >= 3, calls.toString());
            assertEquals(1, depth[1], "never nested");
            long previous = 0;
            for (String c : calls) {
                assertTrue(c.startsWith("false@"), calls.toString());
                long beat = Long.parseLong(c.substring(6));
                assertTrue(beat > previous, "the heartbeat grows: " + calls);
                previous = beat;
            }
            int before = calls.size();
            a.collect(true);
            assertTrue(calls.size() > before, "a collect calls it");
            assertTrue(calls.subList(before, calls.size()).stream().allMatch(c -> c.startsWith("true@")),
                    "a forced collect passes force (once per heap it collects): " + calls.subList(before, calls.size()));
            assertEquals(1, depth[1], "never nested");
            a.registerDeferredFree(null);
            int n = calls.size();
            for (int i = 0; i < 300; i++) {
                a.free(a.malloc(3000));
            }
            a.collect(true);
            assertEquals(n, calls.size(), "unregistered: no more calls");
            for (long p : deferred) {
                a.free(p);
            }
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @Test
    void theHeartbeatIsTheSameFromRunToRunAndAThrowingFunctionIsLoggedAndIgnored() {
        List<Long> first = heartbeats();
        assertEquals(first, heartbeats());
        try (LogCapture log = LogCapture.of("dev.nalloc"); Allocator a = TestAllocators.create()) {
            DeferredFree bad = (force, heartbeat) -> {
                throw new IllegalStateException("boom");
            };
            a.registerDeferredFree(bad);
            for (int i = 0; i < 200; i++) {
                long p = a.malloc(5000);
                assertNotEquals(0, p, "the allocation goes on");
                a.free(p);
            }
            assertTrue(log.messages().stream().anyMatch(m -> m.startsWith("nalloc: the deferred free function threw")),
                    log.messages().toString());
        }
    }

    private static List<Long> heartbeats() {
        List<Long> beats = new ArrayList<>();
        try (Allocator a = TestAllocators.create()) {
            a.registerDeferredFree((force, heartbeat) -> beats.add(heartbeat));
            for (int i = 0; i < 1000; i++) {
                a.free(a.malloc(2000 + (i % 7) * 100));
            }
            a.collect(false);
        }
        return beats;
    }

    // ================================================================== huge pages and version

    @Test
    void hugeOsPagesAreReservedAtRunTimeOnANodeOrInterleaved() {
        SimulatedOs os = new SimulatedOs();
        os.numaNodes = 2;
        os.hugePagesAvailable.set(6);
        try (Allocator a = TestAllocators.builder().os(os).build()) {
            assertEquals(2, a.reserveHugeOsPagesAt(2, 1, 1000));
            assertEquals(List.of(1, 1), os.hugePageNodes);
            assertEquals(3, a.reserveHugeOsPagesInterleave(3, 0, 1000));
            assertEquals(List.of(1, 1, 0, 0, 1), os.hugePageNodes, "3 pages over 2 nodes");
            assertEquals(1, a.reserveHugeOsPagesAt(5, -1, 1000), "only one left: the OS refuses the second");
            assertEquals(0, a.reserveHugeOsPagesAt(0, 0, 1000));
            assertEquals(6, ((NallocAllocator) a).engine().arenas.getVolatileCount(), "one arena per page");
            assertThrows(IllegalArgumentException.class, () -> a.reserveHugeOsPagesAt(-1, 0, 10));
            assertThrows(IllegalArgumentException.class, () -> a.reserveHugeOsPagesAt(1, -2, 10));
            assertThrows(IllegalArgumentException.class, () -> a.reserveHugeOsPagesInterleave(1, 1, -1));
        }
        try (Allocator a = TestAllocators.builder().os(new SimulatedOs()).option(Option.DISALLOW_ARENA_ALLOC, 1).build()) {
            assertThrows(IllegalStateException.class, () -> a.reserveHugeOsPagesInterleave(1, 0, 10));
        }
    }

    @Test
    void theOsLayerIsConfiguredOnceWithTheInstancesOptions() {
        List<Long> tags = new ArrayList<>();
        dev.nalloc.spi.OsPrimitives os = new dev.nalloc.spi.ForwardingOsPrimitives(new SimulatedOs()) {
            @Override
            public dev.nalloc.spi.OsPrimitives configure(OptionValues options) {
                tags.add(options.get(Option.OS_TAG));
                return super.configure(options);
            }
        };
        try (Allocator a = TestAllocators.builder().os(os).option(Option.OS_TAG, 240).build()) {
            assertEquals(List.of(240L), tags);
            assertEquals(240, a.option(Option.OS_TAG));
        }
    }

    @Test
    void withLeakDetectionOnTheTrackingLayerPassesEverythingOn() {
        try (Allocator a = TestAllocators.builder().option(Option.LEAK_DETECTION, dev.nalloc.api.LeakDetection.ALL.ordinal()).build()) {
            assertTrue(a instanceof TrackingAllocator);
            a.setOption(Option.PURGE_DELAY, 5);
            assertEquals(5, a.option(Option.PURGE_DELAY));
            assertEquals(5, a.options().get(Option.PURGE_DELAY));
            int[] calls = {0};
            a.registerDeferredFree((force, heartbeat) -> calls[0]++);
            a.collect(true);
            assertTrue(calls[0] > 0);
            assertEquals(0, a.reserveHugeOsPagesAt(0, -1, 10));
        }
    }

    @Test
    void theVersionIsTheProjectVersion() {
        String v = Allocator.version();
        assertTrue(v.matches("\\d+\\.\\d+\\.\\d+.*"), v); // the module descriptor's version, never "unknown" here
        assertEquals(v, Allocator.version());
    }
}
