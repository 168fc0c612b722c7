package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.core.arena.MemoryArena;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.segment.Layout;
import dev.nalloc.core.segment.SegmentMap;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What SECURE adds to the engine: encoded links, a random carving order, guard pages at the end of
 * pages (lifted when the span is freed), random arena placement; and what CHECKED shares (encoded
 * links) or leaves out (address order, no guard pages).
 */
class SecureModeTest {

    private static Page pageOf(long p) {
        return SegmentMap.lookup(p).pageOf(p);
    }

    @Test
    void linksAreEncodedInBothModes() {
        for (Mode mode : new Mode[]{Mode.CHECKED, Mode.SECURE}) {
            try (Allocator a = TestAllocators.builder().mode(mode).build()) {
                long p = a.malloc(64);
                long q = a.malloc(64);
                a.free(p);
                a.free(q); // q -> p on the local free list
                assertNotEquals(p, Mem.load(q), mode + ": a plain link");
                assertEquals(p, pageOf(q).nextFree(q), mode + ": the decoded link");
            }
        }
        try (Allocator fast = TestAllocators.create()) {
            long p = fast.malloc(64);
            long q = fast.malloc(64);
            fast.free(p);
            fast.free(q);
            assertEquals(p, Mem.load(q), "FAST links stay plain");
        }
    }

    /** The addresses of the first {@code n} blocks of 64 bytes a fresh instance hands out. */
    private static List<Long> firstBlocks(Mode mode, int n) {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            List<Long> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(a.malloc(64));
            }
            return out.stream().map(x -> x - out.get(0) + 0).toList(); // offsets: comparable across instances
        }
    }

    private static boolean ascending(List<Long> xs) {
        for (int i = 1; i < xs.size(); i++) {
            if (xs.get(i) <= xs.get(i - 1)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void secureCarvesInARandomOrderCheckedInAddressOrder() {
        List<Long> checked = firstBlocks(Mode.CHECKED, 48);
        assertTrue(ascending(checked), checked::toString);
        List<Long> s1 = firstBlocks(Mode.SECURE, 48);
        List<Long> s2 = firstBlocks(Mode.SECURE, 48);
        // 48 blocks carved in random order are sorted with probability 1/48! (and two runs agree about as rarely).
        assertFalse(ascending(s1), s1::toString);
        assertNotEquals(s1, s2);
    }

    @Test
    void securePagesEndInAGuardPageThatIsLiftedWhenTheSpanIsFreed() {
        try (Allocator a = TestAllocators.builder().mode(Mode.SECURE).build()) {
            for (long size : new long[]{64, 1000, 20_000, 200_000}) {
                long p = a.malloc(size);
                Page page = pageOf(p);
                long span = (long) page.sliceCount << Layout.SLICE_SHIFT;
                assertEquals(page.start + span - 4096, page.mode().guard(), "size " + size);
                assertTrue(page.areaSize() <= span - 4096, "blocks end before the guard");
                a.free(p);
                a.collect(true); // the page goes, its span is freed: the guard must be lifted
                assertFalse(page.inUse);
                assertTrue(page.mode() == null || page.mode().guard() == 0);
            }
            // The memory of lifted guards is ordinary again: fill every block of fresh pages.
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                long p = a.malloc(4000);
                TestAllocators.fill(p, 4000, i);
                blocks.add(p);
            }
            for (int i = 0; i < blocks.size(); i++) {
                assertTrue(TestAllocators.check(blocks.get(i), 4000, i));
                a.free(blocks.get(i));
            }
        }
        try (Allocator c = TestAllocators.builder().mode(Mode.CHECKED).build()) {
            long p = c.malloc(64);
            assertEquals(0, pageOf(p).mode().guard(), "CHECKED has no guard pages between pages");
            c.free(p);
        }
    }

    /**
     * Pages of threads that end are freed inside abandoned segments (not through the thread's span
     * queues), and those segments go back to the arena: their guard pages must be lifted too, or a
     * later segment in the same memory faults on an ordinary write (found by mstress).
     */
    @Test
    void guardsOfAbandonedSegmentsAreLiftedBeforeTheMemoryIsReused() throws Exception {
        try (Allocator a = TestAllocators.builder().mode(Mode.SECURE)
                .option(dev.nalloc.api.Option.ARENA_RESERVE, 64L << 20).build()) {
            long[] sizes = {48, 700, 3000, 20_000, 200_000};
            for (int round = 0; round < 12; round++) {
                List<Long> handed = new ArrayList<>();
                Thread t = Thread.ofPlatform().start(() -> {
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < 300; i++) {
                        long p = a.malloc(sizes[i % sizes.length]);
                        TestAllocators.fill(p, sizes[i % sizes.length], i); // every byte: a stale guard faults
                        mine.add(p);
                    }
                    for (int i = 0; i < mine.size(); i++) {
                        if (i % 7 == 0) {
                            synchronized (handed) {
                                handed.add(mine.get(i)); // stays live past the thread's end
                            }
                        } else {
                            a.free(mine.get(i));
                        }
                    }
                }); // ends without threadDone: its segments are abandoned when found dead
                t.join();
                synchronized (handed) {
                    handed.forEach(a::free); // remote frees into the abandoned segments
                }
                // New blocks, every byte written: some land where the dead thread's guards were.
                List<Long> fresh = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    long n = sizes[(i + round) % sizes.length];
                    long p = a.malloc(n);
                    TestAllocators.fill(p, n, i);
                    fresh.add(p);
                }
                a.collect(true);
                for (int i = 0; i < fresh.size(); i++) {
                    assertTrue(TestAllocators.check(fresh.get(i), sizes[(i + round) % sizes.length], i));
                    a.free(fresh.get(i));
                }
            }
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @Test
    void aLargeBlockThatFillsItsSpanHasNoGuard() {
        try (Allocator a = TestAllocators.builder().mode(Mode.SECURE).build()) {
            long p = a.malloc(4L << 20); // 4 MiB: a large page of exactly 64 slices
            Page page = pageOf(p);
            assertEquals(PageKind.LARGE, page.kind);
            if ((long) page.sliceCount << Layout.SLICE_SHIFT == page.blockSize) {
                assertEquals(0, page.mode().guard());
            }
            TestAllocators.fill(p, 4L << 20, 1);
            a.free(p);
        }
    }

    @Test
    void secureArenaPlacementIsRandom() {
        List<Long> offsets = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            try (Allocator a = TestAllocators.builder().mode(Mode.SECURE).build()) {
                long p = a.malloc(64);
                MemoryArena arena = ((ModeAllocator) a).engine().arenas.get(0);
                offsets.add((SegmentMap.lookup(p).base - arena.base()) / MemoryArena.BLOCK_SIZE);
            }
        }
        // 8 blocks per arena here: all six first segments at block 0 has probability 8^-6.
        assertTrue(offsets.stream().anyMatch(o -> o != 0), offsets::toString);
        try (Allocator fast = TestAllocators.create()) {
            long p = fast.malloc(64);
            MemoryArena arena = ((NallocAllocator) fast).engine().arenas.get(0);
            assertEquals(arena.base(), SegmentMap.lookup(p).base, "FAST takes the first free block");
        }
    }
}
