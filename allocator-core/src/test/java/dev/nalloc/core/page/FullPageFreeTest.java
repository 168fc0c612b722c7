package dev.nalloc.core.page;

import dev.nalloc.api.Allocator;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.core.TestAllocators;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The owner's free fast path has no full-queue test: a page in the full queue fails
 * {@link Page#isBlockStart}, so the first free into it must take the slow path and bring the page
 * back into its bin. These tests free into full pages from the owning (fast-path) thread.
 */
class FullPageFreeTest {

    private static Page pageOf(long address) {
        return Page.of(SegmentMap.lookup(address), address);
    }

    /** Allocates 64-byte blocks until the first block's page has moved to the full queue. */
    private static List<Long> fillFirstPage(Allocator a) {
        List<Long> blocks = new ArrayList<>();
        blocks.add(a.malloc(64));
        Page first = pageOf(blocks.getFirst());
        while (!first.inFull()) {
            long p = a.malloc(64);
            assertTrue(p != 0);
            blocks.add(p);
            assertTrue(blocks.size() < 100_000, "the page never went to the full queue");
        }
        return blocks;
    }

    @Test
    void aFreeIntoAFullPageTakesItOutOfTheFullQueue() {
        try (Allocator a = TestAllocators.create()) {
            List<Long> blocks = fillFirstPage(a);
            Page first = pageOf(blocks.getFirst());
            assertFalse(first.isBlockStart(blocks.getFirst()), "a full page must fail the fast-path check");
            int usedBefore = first.used;

            a.free(blocks.getFirst()); // slow path: unfull, then the local free
            assertFalse(first.inFull());
            assertEquals(usedBefore - 1, first.used);
            assertTrue(first.isBlockStart(blocks.get(1)), "out of the full queue the fast path applies again");

            a.free(blocks.get(1)); // fast path now
            assertEquals(usedBefore - 2, first.used);
            first.checkInvariants();
            for (int i = 2; i < blocks.size(); i++) {
                a.free(blocks.get(i));
            }
        }
    }

    @Test
    void blocksFreedIntoAFullPageAreHandedOutAgain() {
        try (Allocator a = TestAllocators.create()) {
            List<Long> blocks = fillFirstPage(a);
            long victim = blocks.get(blocks.size() / 3);
            Page first = pageOf(blocks.getFirst());
            assertTrue(first.holds(victim) || pageOf(victim) != first);
            a.free(victim);
            // Allocate until the freed slot comes back: the page is in its bin again, not lost in the full queue.
            boolean reused = false;
            List<Long> more = new ArrayList<>();
            for (int i = 0; i < 5_000 && !reused; i++) {
                long p = a.malloc(64);
                assertNotNull(pageOf(p));
                more.add(p);
                reused = p == victim;
            }
            assertTrue(reused, "the block freed into a full page was never handed out again");
            blocks.remove(victim);
            blocks.forEach(a::free);
            more.forEach(a::free);
        }
    }
}
