package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.core.stats.StatsProbes;
import dev.nalloc.spi.AllocatorProvider;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LifecycleTest {

    @Test
    void providerIsFoundByServiceLoaderOnModuleAndClassPath() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            assertTrue(a instanceof NallocAllocator, "the builder found the engine through ServiceLoader");
        }
        try (var in = NallocProvider.class.getModule()
                .getResourceAsStream("META-INF/services/" + AllocatorProvider.class.getName())) {
            assertEquals(NallocProvider.class.getName(), new String(in.readAllBytes()).trim(), "class-path registration");
        }
    }

    @Test
    void theGlobalAllocatorWorksAndCannotBeClosed() {
        Allocator g = Allocator.global();
        assertTrue(g == Allocator.global());
        long p = g.malloc(100);
        assertTrue(g.usableSize(p) >= 100);
        g.free(p);
        assertThrows(UnsupportedOperationException.class, g::close);
        long q = g.malloc(10);
        assertNotEquals(0, q, "still usable after the refused close");
        g.free(q);
    }

    @Test
    void closeGivesEverythingBackAndEveryMethodThrowsAfterwards() {
        Allocator a = TestAllocators.create();
        long p = a.malloc(100);
        long huge = a.malloc(50L << 20);
        a.newHeap().malloc(5000);
        AllocatorStats open = a.stats();
        assertTrue(open.reserved() > 0);
        assertTrue(open.committed() >= (50L << 20) && open.committed() <= open.osCommitted());
        assertEquals(3, open.allocationCount());
        a.close();
        AllocatorStats closed = a.stats();
        assertEquals(0, closed.reserved());
        assertEquals(0, closed.committed());
        assertEquals(0, closed.osCommitted());
        assertThrows(IllegalStateException.class, () -> a.malloc(8));
        assertThrows(IllegalStateException.class, () -> a.free(p));
        assertThrows(IllegalStateException.class, () -> a.free(huge));
        assertThrows(IllegalStateException.class, () -> a.usableSize(p));
        assertThrows(IllegalStateException.class, () -> a.realloc(p, 8));
        assertThrows(IllegalStateException.class, () -> a.mallocAligned(8, 64));
        assertThrows(IllegalStateException.class, () -> a.isInHeapRegion(p));
        assertThrows(IllegalStateException.class, () -> a.goodSize(8));
        assertThrows(IllegalStateException.class, a::heap);
        assertThrows(IllegalStateException.class, a::newHeap);
        assertThrows(IllegalStateException.class, a::newArena);
        assertThrows(IllegalStateException.class, () -> a.allocate(8, 8));
        assertThrows(IllegalStateException.class, () -> a.collect(true));
        assertThrows(IllegalStateException.class, a::threadDone);
        a.close(); // idempotent
    }

    @Test
    void directOsAllocationWorksWithoutArenas() {
        try (Allocator a = TestAllocators.builder().option(Option.DISALLOW_ARENA_ALLOC, 1).build()) {
            long p = a.malloc(1000);
            long huge = a.malloc(40L << 20);
            assertNotEquals(0, p);
            assertNotEquals(0, huge);
            assertEquals(0, StatsProbes.count((dev.nalloc.core.stats.StatsSnapshot) a.stats(), "arenas").current(), a.stats().toJson());
            a.free(p);
            a.free(huge);
        }
    }

    @Test
    void reservedArenaOnlyWhenOsAllocationIsDisallowed() {
        try (Allocator a = TestAllocators.builder().option(Option.RESERVE_OS_MEMORY, 64L << 20)
                .option(Option.DISALLOW_OS_ALLOC, 1).errorHandler((k, ad, m) -> { }).build()) {
            assertEquals(64L << 20, a.stats().reserved(), "the arena was reserved at start");
            long p = a.malloc(1000);
            assertNotEquals(0, p);
            long huge = a.malloc(20L << 20);
            assertNotEquals(0, huge, "a huge block fits in the second arena block");
            assertEquals(0, a.malloc(40L << 20), "too large for the reserved arena, and the OS is off limits");
            assertEquals(64L << 20, a.stats().reserved(), "nothing was reserved beyond the arena");
            a.free(huge);
            a.free(p);
        }
    }

    @Test
    void veryLargeBlocksGoStraightToTheOs() {
        try (Allocator a = TestAllocators.builder().option(Option.ARENA_RESERVE, 128L << 20).build()) {
            long p = a.malloc(100);
            long reserved = a.stats().reserved();
            long big = a.malloc(100L << 20);
            assertNotEquals(0, big);
            assertTrue(a.stats().reserved() - reserved < (128L << 20), "no new arena for a block of 100 MiB");
            a.free(big);
            assertEquals(reserved, a.stats().reserved(), "given back to the OS at once");
            a.free(p);
        }
    }

    @Test
    void arenasOnlyAndNothingElseFailsCleanly() {
        try (Allocator a = TestAllocators.builder().option(Option.DISALLOW_ARENA_ALLOC, 1)
                .option(Option.DISALLOW_OS_ALLOC, 1).errorHandler((k, ad, m) -> { }).build()) {
            assertEquals(0, a.malloc(100), "no memory source at all");
            assertThrows(OutOfMemoryError.class, () -> a.allocate(100, 8));
        }
    }

    @Test
    void arenaMemoryIsReusedAfterFreeAndPurgedOnForcedCollect() {
        try (Allocator a = TestAllocators.builder().option(Option.ARENA_EAGER_COMMIT, 0).build()) {
            long[] ps = new long[2000];
            for (int i = 0; i < ps.length; i++) {
                ps[i] = a.malloc(4000);
            }
            long committed = a.stats().committed();
            for (long p : ps) {
                a.free(p);
            }
            a.collect(true);
            assertTrue(a.stats().committed() < committed, "forced collect gives committed memory back");
            assertEquals(0, a.stats().allocated());
        }
    }

    @Test
    void freedSpansArePurgedAfterThePurgeDelay() throws Exception {
        try (Allocator a = TestAllocators.builder().option(Option.ARENA_EAGER_COMMIT, 0)
                .option(Option.PURGE_DELAY, 20).build()) {
            long[] ps = new long[64];
            for (int i = 0; i < ps.length; i++) {
                ps[i] = a.malloc(30_000); // medium pages, several of them
            }
            long committed = a.stats().committed();
            for (long p : ps) {
                a.free(p);
            }
            a.collect(false);
            assertEquals(committed, a.stats().committed(), "nothing purged before the delay");
            Thread.sleep(50);
            a.collect(false);
            assertTrue(a.stats().committed() < committed, "purged once the delay has passed");
        }
    }

    @Test
    void purgeDelayZeroPurgesAtOnceAndMinusOneNever() {
        try (Allocator a = TestAllocators.builder().option(Option.ARENA_EAGER_COMMIT, 0)
                .option(Option.PURGE_DELAY, 0).build()) {
            long keep = a.malloc(100);
            long p = a.malloc(200_000);
            long q = a.malloc(200_000); // two pages in the bin: the first is freed, not retired
            long committed = a.stats().committed();
            a.free(p);
            assertTrue(a.stats().committed() < committed, "decommitted when freed");
            a.free(q);
            a.free(keep);
        }
        try (Allocator a = TestAllocators.builder().option(Option.ARENA_EAGER_COMMIT, 0)
                .option(Option.PURGE_DELAY, -1).build()) {
            long keep = a.malloc(100);
            long p = a.malloc(200_000);
            long q = a.malloc(200_000);
            long committed = a.stats().committed();
            a.free(p);
            a.free(q);
            a.collect(false);
            assertEquals(committed, a.stats().committed(), "never purged without a forced collect");
            a.collect(true);
            assertTrue(a.stats().committed() < committed, "a forced collect still purges");
            a.free(keep);
        }
    }

    @Test
    void statsTrackLiveBlocksAndJsonHasTheSchemaFields() {
        try (Allocator a = TestAllocators.create()) {
            long p = a.malloc(100);
            long q = a.malloc(3000);
            AllocatorStats s = a.stats();
            assertEquals(2, s.allocationCount());
            assertEquals(a.usableSize(p) + a.usableSize(q), s.allocated());
            assertTrue(s.allocatedPeak() >= s.allocated());
            a.free(p);
            a.free(q);
            assertEquals(0, a.stats().allocated());
            assertEquals(0, a.stats().allocationCount());
            String json = a.stats().toJson();
            assertTrue(json.startsWith("{\"schema\":\"nalloc-stats/1\",\"name\":") && json.endsWith("}"), json);
            assertTrue(json.contains("\"allocatedPeak\":"));
            assertTrue(json.contains("\"counts\":{\"reserved\":{\"current\":"), json);
        }
    }

    @Test
    void modeAndSecureEncodingHook() {
        try (Allocator a = TestAllocators.builder().mode(Mode.FAST).build()) {
            assertEquals(Mode.FAST, a.mode());
        }
        dev.nalloc.spi.FreeListEncoding xor = new dev.nalloc.spi.FreeListEncoding() {
            public long encode(long next, long block, long k0, long k1) {
                return next ^ k0;
            }

            public long decode(long stored, long block, long k0, long k1) {
                return stored ^ k0;
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TestAllocators.builder().freeListEncoding(xor).build());
        assertEquals("nalloc: an encoded free list needs mode CHECKED or SECURE (FAST reads plain links)", e.getMessage());
        // SECURE takes a custom encoding: its links are stored with it and still verified.
        try (Allocator a = TestAllocators.builder().mode(Mode.SECURE).freeListEncoding(xor).build()) {
            long p = a.malloc(64);
            long q = a.malloc(64);
            a.free(p);
            a.free(q);
            assertEquals(Mode.SECURE, a.mode());
            assertNotEquals(0, a.malloc(64));
        }
    }
}
