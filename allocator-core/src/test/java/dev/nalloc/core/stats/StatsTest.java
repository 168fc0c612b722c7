package dev.nalloc.core.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestThreads;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live-block statistics come from the pages' {@code used} counts plus per-thread adjustments for
 * remote frees: they must be exact at every quiescent point, whoever freed the blocks.
 */
class StatsTest {

    private static void run(Runnable r) throws InterruptedException {
        TestThreads.runOnNewThread(r::run);
    }

    @Test
    void remoteFreesCountAtOnceAndStayExactWhenCollected() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                blocks.add(a.malloc(48));
            }
            long bs = a.usableSize(blocks.get(0));
            assertEquals(1000, a.stats().allocationCount());
            assertEquals(1000 * bs, a.stats().allocated());
            // Another thread frees half: pending on the pages' thread-free lists (or the delayed list).
            run(() -> {
                for (int i = 0; i < 500; i++) {
                    a.free(blocks.get(i));
                }
            });
            assertEquals(500, a.stats().allocationCount());
            assertEquals(500 * bs, a.stats().allocated());
            // The owner collects them; nothing may be counted twice.
            a.collect(false);
            for (int i = 0; i < 300; i++) {
                blocks.set(i, a.malloc(48));
            }
            assertEquals(800, a.stats().allocationCount());
            for (int i = 0; i < 300; i++) {
                a.free(blocks.get(i));
            }
            for (int i = 500; i < 1000; i++) {
                a.free(blocks.get(i));
            }
            AllocatorStats s = a.stats();
            assertEquals(0, s.allocationCount());
            assertEquals(0, s.allocated());
            assertTrue(s.allocatedPeak() >= 1000 * bs, "a snapshot saw 1000 blocks");
        }
    }

    @Test
    void destroyedHeapsAndArenasLeaveNoLiveBlocks() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            dev.nalloc.api.Heap h = a.newHeap();
            long[] kept = new long[100];
            for (int i = 0; i < kept.length; i++) {
                kept[i] = h.malloc(200);
            }
            long huge = h.malloc(40L << 20);
            assertEquals(101, a.stats().allocationCount());
            run(() -> a.free(kept[0])); // pending remote free into a page that is then destroyed
            assertEquals(100, a.stats().allocationCount());
            h.destroy();
            assertEquals(0, a.stats().allocationCount());
            assertEquals(0, a.stats().allocated());
            assertTrue(huge != 0);
            try (var arena = a.newArena()) {
                arena.allocate(64);
                arena.allocate(5000);
                assertEquals(2, a.stats().allocationCount());
            }
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @Test
    void remoteFreeOfAHugeBlockLeavesWithItsSegment() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            long huge = a.malloc(20L << 20);
            assertEquals(1, a.stats().allocationCount());
            run(() -> a.free(huge));
            assertEquals(0, a.stats().allocationCount());
            assertEquals(0, a.stats().allocated());
        }
    }
}
