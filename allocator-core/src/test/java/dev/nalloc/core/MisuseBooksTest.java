package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Mode;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Misuse and thread ends never corrupt the books: the live-block count of the statistics equals a
 * walk of every page of the instance (the blocks its pages count as used), and the number the test
 * knows to be live. The cases of issue 21: frees on other threads after {@code threadDone()} (one
 * block stayed counted as live), frees of blocks of a destroyed heap (CHECKED and SECURE report
 * them), and two threads freeing one block at once (in {@link ModeStressTest}).
 */
class MisuseBooksTest {

    /** Blocks the pages count as used, summed over every page of every heap of every thread. */
    static long walk(Allocator a) {
        long[] used = {0};
        a.visitHeapAreas((area, block, size) -> {
            used[0] += area.used();
            return true;
        });
        return used[0];
    }

    private static void assertBooks(Allocator a, long live) {
        a.collect(true); // remote frees collected, abandoned segments looked at
        assertEquals(live, a.stats().allocationCount(), "the statistics' live blocks");
        assertEquals(live, walk(a), "the blocks the pages count as used");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void freesOnOtherThreadsAfterThreadDoneLeaveExactCounts(Mode mode) throws Exception {
        Soak.repeat(() -> freesOnOtherThreadsAfterThreadDoneLeaveExactCountsOnce(mode));
    }

    private void freesOnOtherThreadsAfterThreadDoneLeaveExactCountsOnce(Mode mode) throws Exception {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            for (int size : new int[]{100, 112, 1000, 70_000}) {
                for (int variant = 0; variant < 4; variant++) {
                    List<Long> blocks = new ArrayList<>();
                    int v = variant;
                    TestThreads.runOnNewThread(() -> {
                        int n = v % 2 == 0 ? 1 : 2000; // one block, or full pages (delayed frees)
                        for (int i = 0; i < n; i++) {
                            blocks.add(a.malloc(size));
                        }
                        if (v >= 2) {
                            a.free(a.malloc(size)); // a page with a free block too
                        }
                        a.threadDone();
                    });
                    assertBooks(a, blocks.size());
                    for (long p : blocks) {
                        a.free(p); // this thread: remote frees into abandoned segments
                    }
                    assertBooks(a, 0);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void freesRacingWithThreadDoneLeaveExactCounts(Mode mode) throws Exception {
        Soak.repeat(() -> freesRacingWithThreadDoneLeaveExactCountsOnce(mode));
    }

    private void freesRacingWithThreadDoneLeaveExactCountsOnce(Mode mode) throws Exception {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            for (int round = 0; round < 100; round++) {
                ConcurrentLinkedQueue<Long> handed = new ConcurrentLinkedQueue<>();
                CountDownLatch made = new CountDownLatch(1);
                TestThreads.Running owner = TestThreads.start(() -> {
                    SplittableRandom r = new SplittableRandom(7);
                    for (int i = 0; i < 500; i++) {
                        handed.add(a.malloc(1 + r.nextInt(2000)));
                    }
                    made.countDown();
                    a.threadDone(); // while the other thread frees
                });
                TestThreads.Running freer = TestThreads.start(() -> {
                    made.await();
                    for (Long p; (p = handed.poll()) != null; ) {
                        a.free(p);
                    }
                    a.threadDone();
                });
                TestThreads.joinAll(owner, freer);
            }
            assertBooks(a, 0);
        }
    }

    /**
     * A free of a block of a destroyed heap is a misuse CHECKED and SECURE report (the block's
     * page was emptied or freed); the counts stay those of the live blocks. (FAST does not check:
     * see docs/modes.md.)
     */
    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void freesAfterDestroyAreReportedAndLeaveExactCounts(Mode mode) throws Exception {
        Soak.repeat(() -> freesAfterDestroyAreReportedAndLeaveExactCountsOnce(mode));
    }

    private void freesAfterDestroyAreReportedAndLeaveExactCountsOnce(Mode mode) throws Exception {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        try (Allocator a = TestAllocators.builder().mode(mode).errorHandler(h).build()) {
            long kept = a.malloc(64);
            for (int round = 0; round < 50; round++) {
                Heap heap = a.newHeap();
                long[] blocks = new long[200];
                SplittableRandom r = new SplittableRandom(round);
                for (int i = 0; i < blocks.length; i++) {
                    blocks[i] = heap.malloc(1 + r.nextInt(round % 2 == 0 ? 500 : 20_000));
                }
                heap.destroy();
                int before = h.reports().size();
                TestThreads.runOnNewThread(() -> {
                    for (long p : blocks) {
                        a.free(p);
                    }
                });
                assertEquals(blocks.length, h.reports().size() - before, "every free after the destroy is reported");
                assertBooks(a, 1);
            }
            assertTrue(h.reports().stream().allMatch(r -> r.kind() == ErrorKind.INVALID_FREE
                    || r.kind() == ErrorKind.DOUBLE_FREE), () -> h.reports().subList(0, 3).toString());
            a.free(kept);
            assertBooks(a, 0);
        }
    }

    /**
     * Frees on another thread racing with {@code destroy()} of their heap (a misuse: the blocks die
     * with it): nothing crashes, every free is taken as one before the destroy or refused and
     * reported as misuse (the destroy seals each page's thread-free list, see docs/modes.md), and
     * the counts stay exact: the statistics and the walk of the pages agree with the blocks known
     * to be live. Half of the rounds destroy a heap of a few pages, which is pooled with its pages
     * emptied in place (and taken again by the next round), half a heap of many pages, which are
     * freed.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void freesRacingWithDestroyLeaveExactCounts(Mode mode) throws Exception {
        Soak.repeat(() -> freesRacingWithDestroyLeaveExactCountsOnce(mode));
    }

    private void freesRacingWithDestroyLeaveExactCountsOnce(Mode mode) throws Exception {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        try (Allocator a = TestAllocators.builder().mode(mode).errorHandler(h).build()) {
            long kept = a.malloc(64);
            for (int round = 0; round < 120; round++) {
                Heap heap = a.newHeap();
                long[] blocks = new long[200];
                SplittableRandom r = new SplittableRandom(round);
                boolean pooled = round % 2 == 0; // three size classes: few pages, the heap is pooled
                for (int i = 0; i < blocks.length; i++) {
                    blocks[i] = heap.malloc(pooled ? 16 << r.nextInt(3) : 1 + r.nextInt(3000));
                }
                CountDownLatch go = new CountDownLatch(1);
                TestThreads.Running freer = TestThreads.start(() -> {
                    go.await();
                    for (long p : blocks) {
                        a.free(p);
                    }
                });
                go.countDown();
                heap.destroy();
                freer.join();
                if (round % 10 == 9) {
                    assertBooks(a, 1);
                }
            }
            // Misuse reports only (CHECKED may find a racing free's canary already overwritten by the
            // destroy's relinking, and call it an overflow: the misuse is the race itself).
            assertTrue(h.reports().stream().allMatch(r -> r.kind().isMisuse()),
                    () -> h.reports().stream().filter(r -> !r.kind().isMisuse()).limit(3).toList().toString());
            assertBooks(a, 1);
            long[] more = new long[1000];
            for (int i = 0; i < more.length; i++) {
                more[i] = a.malloc(1 + i % 700);
            }
            assertBooks(a, 1 + more.length); // the instance goes on exactly
            for (long p : more) {
                a.free(p);
            }
            a.free(kept);
            assertBooks(a, 0);
        }
    }
}
