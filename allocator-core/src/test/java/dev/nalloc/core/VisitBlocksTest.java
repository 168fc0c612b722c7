package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Mode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract of {@link Heap#visitBlocks} for visitors that allocate or free (issue 22), in every
 * mode: the visitor may allocate and free anywhere, in the heap it visits too; a block freed
 * during the visit is never handed to the visitor after its free, a block allocated during it may
 * or may not be, no block is visited twice, and the next visit agrees exactly with what is live.
 * What a visitor may not do (destroy or delete the heap, end its thread, close the allocator) ends
 * in an {@link IllegalStateException} naming the rule, and the heap stays whole.
 */
class VisitBlocksTest {

    /** Sizes of every kind of block: small, medium, large and one huge. */
    private static final long[] SIZES = {8, 16, 24, 48, 100, 256, 1000, 3000, 20_000, 100_000, 1_000_000, 40L << 20};

    private static Allocator build(Mode mode) {
        return TestAllocators.builder().mode(mode).build();
    }

    /** Fills the heap with blocks of every kind; returns them. */
    private static List<Long> populate(Heap h, int n, long seed) {
        Random r = new Random(seed);
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long size = i == 0 ? SIZES[SIZES.length - 1] : SIZES[r.nextInt(SIZES.length - 1)];
            blocks.add(h.malloc(size));
        }
        return blocks;
    }

    private static Set<Long> visit(Heap h) {
        Set<Long> seen = new HashSet<>();
        h.visitBlocks(true, (area, block, size) -> {
            if (block != 0) {
                assertTrue(seen.add(block), "visited twice: " + block);
            }
            return true;
        });
        return seen;
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aVisitSeesExactlyTheLiveBlocks(Mode mode) {
        try (Allocator a = build(mode)) {
            Heap h = a.newHeap();
            List<Long> blocks = populate(h, 3000, 1);
            assertEquals(new HashSet<>(blocks), visit(h));
            h.destroy();
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aVisitorMayFreeTheBlockItIsGiven(Mode mode) {
        try (Allocator a = build(mode)) {
            Heap h = a.newHeap();
            List<Long> blocks = populate(h, 3000, 2);
            Set<Long> seen = new HashSet<>();
            h.visitBlocks(true, (area, block, size) -> {
                if (block != 0) {
                    assertTrue(seen.add(block), "visited twice");
                    a.free(block);
                }
                return true;
            });
            assertEquals(new HashSet<>(blocks), seen, "every block visited once, and freed");
            assertEquals(Set.of(), visit(h), "nothing is live after the visit");
            assertEquals(0, a.stats().allocationCount());
            h.destroy();
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void blocksFreedDuringTheVisitAreNotVisitedAfterwards(Mode mode) {
        try (Allocator a = build(mode)) {
            Heap h = a.newHeap();
            List<Long> blocks = populate(h, 3000, 3);
            Set<Long> live = new HashSet<>(blocks);
            Set<Long> freed = new HashSet<>();
            Random r = new Random(3);
            List<Long> order = new ArrayList<>(blocks);
            java.util.Collections.shuffle(order, r);
            int[] next = {0};
            Set<Long> seen = new HashSet<>();
            h.visitBlocks(true, (area, block, size) -> {
                if (block == 0) {
                    return true;
                }
                assertFalse(freed.contains(block), "a block freed during the visit was handed to the visitor");
                assertTrue(live.contains(block), "only live blocks are visited");
                assertTrue(seen.add(block), "visited twice");
                // free the visited block now and then, and two other blocks (visited or not yet)
                if (r.nextInt(3) == 0) {
                    live.remove(block);
                    freed.add(block);
                    a.free(block);
                }
                for (int k = 0; k < 2 && next[0] < order.size(); k++) {
                    long victim = order.get(next[0]++);
                    if (live.remove(victim)) {
                        freed.add(victim);
                        a.free(victim);
                    }
                }
                return true;
            });
            assertEquals(live, visit(h), "a second visit sees exactly what is still live");
            Set<Long> unvisited = new HashSet<>(blocks);
            unvisited.removeAll(seen);
            assertTrue(freed.containsAll(unvisited), "every block not visited was freed before its turn");
            h.destroy();
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aVisitorMayAllocateFromTheHeapItVisits(Mode mode) {
        try (Allocator a = build(mode)) {
            Heap h = a.newHeap();
            List<Long> blocks = populate(h, 2000, 4);
            Set<Long> before = new HashSet<>(blocks);
            Set<Long> allocated = new HashSet<>();
            Random r = new Random(4);
            Set<Long> seen = new HashSet<>();
            h.visitBlocks(true, (area, block, size) -> {
                if (block == 0) {
                    return true;
                }
                assertTrue(seen.add(block), "visited twice");
                assertTrue(before.contains(block) || allocated.contains(block), "only live blocks are visited");
                for (int k = 0; k < 3; k++) { // new blocks of every kind, new pages, extended pages
                    allocated.add(h.malloc(SIZES[r.nextInt(SIZES.length - 1)]));
                }
                if (r.nextInt(50) == 0) {
                    allocated.add(a.malloc(100)); // the thread's default heap too
                    h.collect(true);
                }
                return true;
            });
            assertTrue(seen.containsAll(before), "every block live when the visit began was visited");
            Set<Long> live = new HashSet<>(before);
            live.addAll(allocated);
            Set<Long> heapBlocks = visit(h);
            live.removeIf(p -> !h.contains(p)); // the one default-heap block per 50 is not this heap's
            assertEquals(live, heapBlocks, "a second visit sees every block, old and new");
            h.destroy();
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aVisitorMayAllocateFreeCollectAndVisitAgain(Mode mode) {
        try (Allocator a = build(mode)) {
            Heap h = a.newHeap();
            Set<Long> live = new HashSet<>(populate(h, 1500, 5));
            List<Long> pool = new ArrayList<>(live);
            Random r = new Random(5);
            int[] nested = {0};
            h.visitBlocks(true, (area, block, size) -> {
                if (block == 0) {
                    return true;
                }
                assertTrue(live.contains(block), "only live blocks are visited");
                switch (r.nextInt(6)) {
                    case 0, 1 -> {
                        long p = h.malloc(SIZES[r.nextInt(SIZES.length - 1)]);
                        live.add(p);
                        pool.add(p);
                    }
                    case 2, 3 -> {
                        long victim = pool.get(r.nextInt(pool.size()));
                        if (live.remove(victim)) {
                            a.free(victim);
                        }
                    }
                    case 4 -> {
                        if (live.remove(block)) {
                            a.free(block);
                        }
                    }
                    default -> {
                        if (nested[0]++ < 5) {
                            assertEquals(live, visit(h), "a nested visit sees what is live");
                        }
                        h.collect(r.nextBoolean());
                    }
                }
                return true;
            });
            assertEquals(live, visit(h));
            for (long p : live) {
                a.free(p);
            }
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void stoppingEndsTheVisit(Mode mode) {
        try (Allocator a = build(mode)) {
            Heap h = a.newHeap();
            populate(h, 500, 6);
            int[] calls = {0};
            h.visitBlocks(true, (area, block, size) -> ++calls[0] < 7);
            assertEquals(7, calls[0]);
            h.destroy();
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void whatAVisitorMayNotDoEndsInAClearException(Mode mode) throws Exception {
        try (Allocator a = build(mode)) {
            Heap h = a.newHeap();
            Set<Long> blocks = new HashSet<>(populate(h, 500, 7));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> h.visitBlocks(true, (area, block, size) -> {
                        h.destroy();
                        return true;
                    }));
            assertTrue(e.getMessage().contains("a HeapVisitor must not destroy, delete or end the thread of the heap it visits"),
                    e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> h.visitBlocks(false, (area, block, size) -> {
                h.close();
                return true;
            }));
            assertTrue(e.getMessage().startsWith("nalloc: delete (close) during visitBlocks"), e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> h.visitBlocks(true, (area, block, size) -> {
                a.threadDone();
                return true;
            }));
            assertTrue(e.getMessage().startsWith("nalloc: threadDone during visitBlocks"), e.getMessage());
            // Nothing changed: the heap is whole and usable.
            assertEquals(blocks, visit(h));
            long p = h.malloc(10);
            a.free(p);
            h.destroy();
            assertEquals(0, a.stats().allocationCount());

            // A visit of another heap of the thread may destroy this one.
            Heap other = a.newHeap();
            other.malloc(100);
            Heap visited = a.newHeap();
            visited.malloc(100);
            visited.visitBlocks(true, (area, block, size) -> {
                if (block != 0) {
                    other.destroy();
                }
                return true;
            });
            visited.destroy();
            assertEquals(0, a.stats().allocationCount());
        }
        Allocator b = build(mode);
        Heap h = b.newHeap();
        populate(h, 100, 8);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> h.visitBlocks(true, (area, block, size) -> {
            b.close();
            return true;
        }));
        assertTrue(e.getMessage().contains("a visitor must not close the allocator"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void checkingModesVisitBlocksAtTheAddressTheyWereHandedOutAt(Mode mode) {
        try (Allocator a = TestAllocators.builder().mode(mode).option(dev.nalloc.api.Option.GUARDED_SAMPLE_RATE, 3).build()) {
            Heap h = a.newHeap();
            Set<Long> blocks = new HashSet<>();
            for (int i = 0; i < 60; i++) {
                blocks.add(h.malloc(100 + i));
                if (mode == Mode.CHECKED) {
                    blocks.add(h.mallocAligned(100, 256)); // CHECKED hands out aligned blocks inside bigger ones
                }
            }
            Set<Long> seen = new HashSet<>();
            h.visitBlocks(true, (area, block, size) -> {
                if (block != 0) {
                    seen.add(block);
                    a.free(block); // no misuse report: the address is the block's own
                }
                return true;
            });
            assertEquals(blocks, seen);
            assertEquals(0, a.stats().allocationCount());
            h.destroy();
        }
    }
}
