package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.core.arena.MemoryArena;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.core.page.PageProbes;
import dev.nalloc.core.segment.SegmentProbes;
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
        return Page.of(SegmentMap.lookup(p), p);
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

    @Test
    void ownFreesRefillTheFreeListOnTheFastPathWithTheirLinksCleared() {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        try (Allocator a = TestAllocators.builder().mode(Mode.SECURE).errorHandler(h).build()) {
            ModeAllocator m = (ModeAllocator) a;
            long first = a.malloc(48);
            Page page = m.directPages(Thread.currentThread())[(48 + 7) >>> 3];
            List<Long> taken = new ArrayList<>();
            while (page.freeHead() != 0) { // the carved blocks of the page's free list
                taken.add(a.malloc(48));
            }
            assertTrue(taken.size() > 3, taken::toString);
            long x = taken.get(0);
            long y = taken.get(1);
            long z = taken.get(2);
            a.free(x);
            a.free(y);
            a.free(z); // z -> y -> x on the page's local free list
            assertEquals(y, page.nextFree(z), "encoded, and decoded by the page");
            assertEquals(z, a.malloc(48), "the local frees become the free list (last freed first)");
            assertEquals(0, Mem.load(z), "the link word of a block handed out is cleared");
            assertEquals(y, page.freeHead());
            assertEquals(y, a.malloc(48));
            assertEquals(0, Mem.load(y));
            a.free(z);
            a.free(z); // the screen still finds it: the block is on the local free list
            assertEquals(List.of(ErrorKind.DOUBLE_FREE), h.reports().stream().map(ErrorHandler.Report::kind).toList());
            assertEquals(x, a.malloc(48));
            a.free(x);
            a.free(y);
            a.free(first);
            taken.subList(3, taken.size()).forEach(a::free);
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

    /**
     * A page's first extension carves one OS page of blocks in random order; later extensions give
     * each of the 8 runs an OS page of its own (so that the prefetchers can follow each run), and
     * each run is handed out in address order, the runs interleaved at random.
     */
    @Test
    void laterExtensionsGiveEachRunAnOsPageOfItsOwn() {
        try (Allocator a = TestAllocators.builder().mode(Mode.SECURE).build()) {
            long first = a.malloc(64);
            Page page = pageOf(first);
            assertEquals(64, page.capacity(), "the first extension: 4 KiB of 64-byte blocks");
            List<Long> blocks = new ArrayList<>();
            for (int i = 1; i < 64; i++) {
                blocks.add(a.malloc(64));
            }
            long from = page.areaStart() + 64 * 64;
            List<Integer> runOrder = new ArrayList<>();
            long[] lastInRun = new long[8];
            for (int i = 0; i < 8 * 64; i++) {
                long p = a.malloc(64);
                assertEquals(page, pageOf(p));
                int run = (int) ((p - from) / 4096);
                assertTrue(run >= 0 && run < 8, "block " + Long.toHexString(p) + " outside the second extension");
                assertTrue(p > lastInRun[run], "each run in address order");
                lastInRun[run] = p;
                runOrder.add(run);
            }
            assertEquals(64 + 8 * 64, page.capacity(), "the second extension: 8 runs of 4 KiB");
            assertFalse(runOrder.subList(0, 64).stream().allMatch(r -> r.equals(runOrder.get(0))), "runs interleaved");
            for (int r = 0; r < 8; r++) {
                assertEquals(64, java.util.Collections.frequency(runOrder, r), "run " + r);
            }
        }
    }

    @Test
    void securePagesEndInAGuardPageThatIsLiftedWhenTheSpanIsFreed() {
        try (Allocator a = TestAllocators.builder().mode(Mode.SECURE).build()) {
            for (long size : new long[]{64, 1000, 20_000, 200_000}) {
                long p = a.malloc(size);
                Page page = pageOf(p);
                long span = (long) page.sliceCount() << Layout.SLICE_SHIFT;
                assertEquals(page.areaStart() + span - 4096, PageProbes.guard(page.mode()), "size " + size);
                assertTrue(page.areaSize() <= span - 4096, "blocks end before the guard");
                a.free(p);
                a.collect(true); // the page goes, its span is freed: the guard must be lifted
                assertFalse(page.inUse());
                assertTrue(page.mode() == null || PageProbes.guard(page.mode()) == 0);
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
            assertEquals(0, PageProbes.guard(pageOf(p).mode()), "CHECKED has no guard pages between pages");
            c.free(p);
        }
    }

    /** Counts the calls that protect memory (guard pages), passing everything on. */
    private static final class CountingOs extends dev.nalloc.spi.ForwardingOsPrimitives {
        final java.util.concurrent.atomic.AtomicInteger protects = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger lifts = new java.util.concurrent.atomic.AtomicInteger();

        CountingOs() {
            super(dev.nalloc.spi.OsPrimitives.best());
        }

        @Override
        public int protect(long address, long size, boolean protect) {
            (protect ? protects : lifts).incrementAndGet();
            return super.protect(address, size, protect);
        }
    }

    /** Fills two pages of blocks of {@code size}: the first can then be emptied and freed (it is not its bin's only page). */
    private static List<Long> twoPages(Allocator a, long size) {
        List<Long> blocks = new ArrayList<>();
        Page first = null;
        while (true) {
            long p = a.malloc(size);
            blocks.add(p);
            if (first == null) {
                first = pageOf(p);
            } else if (pageOf(p) != first) {
                return blocks;
            }
        }
    }

    /**
     * A page freed while its bin has other pages keeps its span and guard page aside; the next page
     * of the same number of slices (here of another bin) takes both over without a system call,
     * its blocks end before the guard. A collect keeps spans that are not yet due (here, with a
     * minute's {@code purge_delay}); a forced collect gives them back with their guards lifted.
     */
    @Test
    void aFreedSpanKeepsItsGuardForTheNextPageOfItsSize() {
        CountingOs os = new CountingOs();
        try (Allocator a = Allocator.builder().os(os).readEnvironment(false).mode(Mode.SECURE)
                .option(Option.PURGE_DELAY, 60_000).build()) {
            List<Long> blocks = twoPages(a, 64);
            Page page = pageOf(blocks.get(0));
            long start = page.areaStart();
            long guard = PageProbes.guard(page.mode());
            assertNotEquals(0, guard);
            for (long b : blocks) {
                if (pageOf(b) == page) {
                    a.free(b);
                }
            }
            assertFalse(page.inUse(), "the emptied page was freed");
            assertEquals(guard, page.guardPage(), "its span keeps the guard");
            assertEquals(1, SegmentProbes.guardedSpans(page.segment.space()));
            int protects = os.protects.get();
            int lifts = os.lifts.get();
            Page reused = null;
            List<Long> others = new ArrayList<>();
            for (int i = 0; i < 100_000 && reused == null; i++) {
                long q = a.malloc(128); // another bin, pages of the same single slice
                others.add(q);
                if (pageOf(q).areaStart() == start) {
                    reused = pageOf(q);
                }
            }
            assertTrue(reused != null, "a new page took the kept span");
            assertEquals(guard, PageProbes.guard(reused.mode()));
            assertEquals(protects, os.protects.get(), "no mprotect for the kept guard");
            assertEquals(lifts, os.lifts.get());
            assertEquals(0, SegmentProbes.guardedSpans(page.segment.space()));
            assertTrue(reused.areaStart() + reused.areaSize() <= guard, "the blocks end before the guard");
            for (long q : others) {
                TestAllocators.fill(q, 128, q); // every byte: a misplaced guard faults
            }
            // Kept again (a collect keeps it: not due for a minute), then a forced collect gives it
            // back for good and lifts the guard.
            for (long q : others) {
                a.free(q);
            }
            for (long b : blocks) {
                if (pageOf(b) != page) {
                    a.free(b);
                }
            }
            a.collect(false);
            assertEquals(guard, page.guardPage(), "kept until due");
            assertTrue(SegmentProbes.guardedSpans(page.segment.space()) >= 1);
            a.collect(true);
            assertEquals(0, SegmentProbes.guardedSpans(page.segment.space()));
            assertEquals(0, page.guardPage());
            assertEquals(0, a.stats().allocationCount());
        }
    }

    /** With {@code purge_delay} 0 kept spans are due at once: any collect gives them back. */
    @Test
    void keptSpansAreDueAfterThePurgeDelay() {
        try (Allocator a = Allocator.builder().readEnvironment(false).mode(Mode.SECURE).option(Option.PURGE_DELAY, 0).build()) {
            List<Long> blocks = twoPages(a, 64);
            Page page = pageOf(blocks.get(0));
            blocks.stream().filter(b -> pageOf(b) == page).forEach(a::free);
            assertEquals(1, SegmentProbes.guardedSpans(page.segment.space()));
            a.collect(false);
            assertEquals(0, SegmentProbes.guardedSpans(page.segment.space()));
            assertEquals(0, page.guardPage());
            blocks.stream().filter(b -> pageOf(b) != page).forEach(a::free);
        }
    }

    /**
     * At most 16 MiB of spans are kept per thread (256 small pages): freeing 300 pages keeps the
     * newest 256 and gives the oldest back, guards lifted.
     */
    @Test
    void keptSpansAreCappedAt16MiB() {
        CountingOs os = new CountingOs();
        try (Allocator a = Allocator.builder().os(os).readEnvironment(false).mode(Mode.SECURE)
                .option(Option.PURGE_DELAY, 60_000).build()) {
            List<Long> blocks = new ArrayList<>();
            java.util.Set<Page> pages = new java.util.LinkedHashSet<>();
            while (pages.size() < 301) {
                long p = a.malloc(64);
                blocks.add(p);
                pages.add(pageOf(p));
            }
            int lifts = os.lifts.get();
            blocks.forEach(a::free); // every page but the bin's last one is freed at once
            Page any = pages.iterator().next();
            assertEquals(256, SegmentProbes.guardedSpans(any.segment.space()));
            assertEquals(300 - 256, os.lifts.get() - lifts, "the oldest spans went back, guards lifted");
            assertEquals(0, any.guardPage(), "the first page freed went back");
            a.collect(true);
            assertEquals(0, SegmentProbes.guardedSpans(any.segment.space()));
        }
    }

    /** Pages of the same sizes made and freed over and over cost no guard-page system calls once warm. */
    @Test
    void pageChurnReusesKeptGuards() {
        CountingOs os = new CountingOs();
        try (Allocator a = Allocator.builder().os(os).readEnvironment(false).mode(Mode.SECURE).build()) {
            java.util.SplittableRandom r = new java.util.SplittableRandom(7);
            long[] sizes = {64, 128, 256};
            int warm = 0;
            for (int round = 0; round < 200; round++) {
                List<Long> blocks = twoPages(a, sizes[r.nextInt(sizes.length)]);
                blocks.forEach(a::free);
                if (round == 20) {
                    warm = os.protects.get() + os.lifts.get();
                }
            }
            int calls = os.protects.get() + os.lifts.get() - warm;
            System.out.printf("SECURE page churn: %d guard-page calls in 180 rounds of two pages each%n", calls);
            assertTrue(calls < 20, "guard-page calls after warm-up: " + calls);
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
                TestThreads.runOnNewThread(() -> {
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
            assertEquals(PageKind.LARGE, page.kind());
            if ((long) page.sliceCount() << Layout.SLICE_SHIFT == page.blockSize()) {
                assertEquals(0, PageProbes.guard(page.mode()));
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
