package dev.nalloc.core.heap;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.Mode;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestEngines;
import dev.nalloc.core.TestThreads;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.SegmentMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A page whose free list ran dry takes its owner's frees (its local-free list) without the slow
 * path ({@link LocalHeap#popLocalFree}): blocks freed locally are handed out again with their new
 * contents intact, {@code zalloc} still zeroes them, the statistics count every block once, a
 * retired page taken up again is not freed under its new blocks, and remote frees waiting send the
 * call to the slow path, which collects both lists. Every mode, on the thread that claimed the
 * instance, on a platform worker and on a virtual thread (a lease).
 */
class LocalFreeRefillTest {

    private static final int PAIRS = 2000;

    static Stream<Arguments> modesAndThreads() {
        return Stream.of(Mode.values()).flatMap(m -> Stream.of("claimed", "worker", "virtual").map(t -> Arguments.of(m, t)));
    }

    private static long genericCalls(Allocator a) {
        return a.stats().counters().getOrDefault("generic_calls", 0L);
    }

    /**
     * Blocks allocated, freed and live in total over every bin, after a forced collect (blocks on a
     * local-free list are counted once collected).
     */
    private static long[] binTotals(Allocator a) {
        a.collect(true);
        long allocated = 0;
        long freed = 0;
        long live = 0;
        for (AllocatorStats.Bin b : a.stats().bins()) {
            allocated += b.blocks().allocated();
            freed += b.blocks().freed();
            live += b.blocks().current();
        }
        return new long[] {allocated, freed, live};
    }

    /**
     * A short task's pattern (as {@code VirtualThreadTasks}): 64 B blocks, every tenth kept to the
     * end, the rest freed at once; every seventh a zalloc. Contents are written and checked.
     */
    private static void task(Allocator a) {
        a.free(a.malloc(64)); // the thread's heap (or lease) exists from here
        long[] before = binTotals(a);
        long generic = genericCalls(a);
        long[] kept = new long[PAIRS / 10];
        int k = 0;
        Set<Long> freed = new HashSet<>();
        int reused = 0;
        for (int i = 0; i < PAIRS; i++) {
            long p = i % 7 == 0 ? a.zalloc(64) : a.malloc(64);
            assertNotEquals(0, p);
            if (i % 7 == 0) {
                assertTrue(TestAllocators.isZero(p, 64), "zalloc of a block freed before reads as zero");
            }
            if (freed.remove(p)) {
                reused++;
            }
            TestAllocators.fill(p, 64, i);
            if (i % 10 == 0) {
                kept[k++] = p;
                continue;
            }
            assertTrue(TestAllocators.check(p, 64, i));
            freed.add(p);
            a.free(p);
        }
        for (int i = 0; i < k; i++) {
            assertTrue(TestAllocators.check(kept[i], 64, i * 10L), "a kept block keeps its contents");
            a.free(kept[i]);
        }
        long calls = genericCalls(a) - generic;
        // Without the refill every few dozen pairs take the slow path (about 3 per 100 pairs here).
        assertTrue(calls <= PAIRS / 100, "slow-path calls: " + calls);
        assertEquals(0, a.stats().allocationCount(), "nothing live");
        assertTrue(reused > PAIRS / 2, "blocks freed by the thread are handed out again: " + reused);
        long[] after = binTotals(a);
        assertEquals(PAIRS, after[0] - before[0], "blocks allocated");
        assertEquals(PAIRS, after[1] - before[1], "blocks freed");
        assertEquals(before[2], after[2], "live blocks");
    }

    @ParameterizedTest
    @MethodSource("modesAndThreads")
    void aDryFreeListTakesTheOwnersFreesWithoutTheSlowPath(Mode mode, String thread) throws InterruptedException {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            switch (thread) {
                case "claimed" -> task(a);
                case "worker" -> {
                    a.free(a.malloc(64)); // this thread claims the instance; the worker does not
                    TestThreads.runOn(Thread.ofPlatform(), () -> task(a));
                }
                default -> TestThreads.runOn(Thread.ofVirtual(), () -> task(a));
            }
            assertEquals(0, a.stats().allocationCount());
        }
    }

    private static Page pageOf(long block) {
        return Page.of(SegmentMap.lookup(block), block);
    }

    /** The start of the block {@code p} lies in (CHECKED hands out addresses inside its blocks). */
    private static long start(long p) {
        return pageOf(p).blockStartOf(p);
    }

    /** Allocates 64 B blocks until the page of {@code first} has no free block left; returns the blocks. */
    private static long[] drain(Allocator a, long first) {
        Page page = pageOf(first);
        long[] blocks = new long[page.capacity()];
        blocks[0] = first;
        int n = 1;
        while (page.freeHead() != 0) {
            long p = a.malloc(64);
            assertSame(page, pageOf(p));
            blocks[n++] = p;
        }
        return java.util.Arrays.copyOf(blocks, n);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void remoteFreesWaitingSendTheCallToTheSlowPathWhichCollectsBoth(Mode mode) throws InterruptedException {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            long[] blocks = drain(a, a.malloc(64));
            LocalHeap own = TestEngines.ownHeap(a);
            Page page = pageOf(blocks[0]);
            assertSame(own, page.getVolatileHeap());
            assertTrue(blocks.length >= 4);
            long local = blocks[1];
            long remote = blocks[2];
            a.free(local);
            TestThreads.runOn(Thread.ofPlatform(), () -> a.free(remote));
            assertNotEquals(0, page.localFreeHead());
            assertNotEquals(0, page.threadFreeHead());
            long generic = genericCalls(a);
            long p = a.malloc(64);
            assertEquals(generic + 1, genericCalls(a), "the slow path took the page's frees");
            assertEquals(0, page.threadFreeHead(), "the remote free was collected");
            assertEquals(0, page.localFreeHead());
            long q = a.malloc(64);
            assertEquals(Set.of(start(local), start(remote)), Set.of(start(p), start(q)), "both frees are handed out again");

            // Without remote frees the owner's frees refill the list at once.
            long[] more = drain(a, a.malloc(64));
            a.free(more[0]);
            generic = genericCalls(a);
            assertEquals(start(more[0]), start(a.malloc(64)));
            assertEquals(generic, genericCalls(a), "no slow path");
            own.checkInvariants();
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aRetiredPageTakenUpAgainIsNotFreedUnderItsNewBlocks(Mode mode) {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            long first = a.malloc(64);
            LocalHeap own = TestEngines.ownHeap(a);
            int pages = own.pageCount();
            long[] blocks = drain(a, first);
            Page page = pageOf(blocks[0]);
            for (long b : blocks) {
                a.free(b);
            }
            assertEquals(0, page.used());
            assertEquals(0, page.freeHead());
            assertNotEquals(0, page.retireExpire(), "the only page of its bin is kept a while");
            long generic = genericCalls(a);
            long p = a.malloc(64);
            assertEquals(generic, genericCalls(a), "refilled without the slow path");
            assertSame(page, pageOf(p));
            assertEquals(0, page.retireExpire(), "taken up again: no longer retired");
            TestAllocators.fill(p, 64, 7);
            own.collect(false);
            assertEquals(pages, own.pageCount(), "collect keeps the page in use");
            assertTrue(own.contains(p));
            assertTrue(TestAllocators.check(p, 64, 7));
            a.free(p);
            own.checkInvariants();
        }
    }
}
