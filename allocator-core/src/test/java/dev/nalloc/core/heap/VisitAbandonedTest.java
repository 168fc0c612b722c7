package dev.nalloc.core.heap;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.HeapArea;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestEngines;
import dev.nalloc.core.TestThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Allocator.visitAbandonedBlocks} (mimalloc's {@code mi_abandoned_visit_blocks}, option
 * {@code visit_abandoned}): the live blocks of threads that ended, with {@code threadDone} or
 * without, at their handed-out addresses, in every mode; none missed while other threads search
 * the abandoned segments; the visitor's rules.
 */
class VisitAbandonedTest {

    private static Allocator visitable(Mode mode) {
        return TestAllocators.builder().mode(mode).option(Option.VISIT_ABANDONED, 1).build();
    }

    /** Every block the visit hands over (blocks only), checking each area announces its blocks first. */
    private static Set<Long> visit(Allocator a, int tag) {
        Set<Long> blocks = new TreeSet<>();
        HeapArea[] current = {null};
        assertTrue(a.visitAbandonedBlocks(tag, true, (area, block, size) -> {
            if (block == 0) {
                current[0] = area;
            } else {
                assertEquals(current[0], area, "a block comes after its area");
                assertTrue(blocks.add(block), "visited once: " + Long.toHexString(block));
            }
            return true;
        }));
        return blocks;
    }

    @Test
    void withoutTheOptionTheVisitIsRefused() {
        try (Allocator a = TestAllocators.create()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> a.visitAbandonedBlocks(-1, true, (area, block, size) -> true));
            assertTrue(e.getMessage().startsWith("nalloc: visiting abandoned blocks needs the option visit_abandoned"),
                    e.getMessage());
        }
        try (Allocator a = visitable(Mode.FAST)) {
            assertThrows(IllegalArgumentException.class, () -> a.visitAbandonedBlocks(256, true, (area, block, size) -> true));
            assertThrows(IllegalArgumentException.class, () -> a.visitAbandonedBlocks(-2, true, (area, block, size) -> true));
            assertThrows(NullPointerException.class, () -> a.visitAbandonedBlocks(-1, true, null));
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void theLiveBlocksOfEndedThreadsAreVisitedAtTheirAddresses(Mode mode) throws Exception {
        try (Allocator a = visitable(mode)) {
            a.setOption(Option.MAX_SEGMENT_RECLAIM, 0); // nobody takes the segments over before the visit
            Set<Long> expected = new TreeSet<>();
            List<Long> freedLater = new ArrayList<>();
            TestThreads.runOnNewThread(() -> { // ends with threadDone
                for (long size : new long[]{8, 64, 1000, 3000, 70_000, 1 << 20, 20 << 20}) {
                    expected.add(a.malloc(size));
                }
                if (mode == Mode.CHECKED) { // FAST and SECURE visit blocks at their start, as mimalloc: an aligned one lies inside its block
                    expected.add(a.mallocAlignedAt(100, 256, 16));
                }
                long gone = a.malloc(500);
                a.free(gone);
                freedLater.add(a.malloc(200));
                a.threadDone();
            });
            TestThreads.runOnNewThread(() -> { // ends without threadDone: found dead by the visit
                for (int i = 0; i < 100; i++) {
                    expected.add(a.malloc(48));
                }
            });
            a.free(freedLater.get(0)); // a remote free into an abandoned segment: not live any more
            assertEquals(expected, visit(a, -1));
            assertEquals(expected, visit(a, 0), "tag 0: every page of untagged heaps");
            assertEquals(Set.of(), visit(a, 7), "no heap of tag 7");
            for (long p : expected) {
                a.free(p);
            }
            assertEquals(Set.of(), visit(a, -1));
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @Test
    void areasOnlyAndStoppingEarly() throws Exception {
        try (Allocator a = visitable(Mode.FAST)) {
            a.setOption(Option.MAX_SEGMENT_RECLAIM, 0);
            TestThreads.runOnNewThread(() -> {
                for (int i = 0; i < 10; i++) {
                    a.malloc(16 + i * 100);
                }
                a.threadDone();
            });
            int[] areas = {0, 0};
            assertTrue(a.visitAbandonedBlocks(-1, false, (area, block, size) -> {
                areas[block == 0 ? 0 : 1]++;
                return true;
            }));
            assertTrue(areas[0] >= 2 && areas[1] == 0, "areas only: " + areas[0] + " " + areas[1]);
            int[] calls = {0};
            assertFalse(a.visitAbandonedBlocks(-1, true, (area, block, size) -> ++calls[0] < 3));
            assertEquals(3, calls[0], "stopped at the third call");
        }
    }

    /**
     * Other threads claim every abandoned segment and mark it abandoned again all the time (their
     * collections); each visit still sees every block exactly once, and a visitor may allocate.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void noSegmentIsMissedWhileOtherThreadsSearchThem(Mode mode) throws Exception {
        try (Allocator a = visitable(mode)) {
            a.setOption(Option.MAX_SEGMENT_RECLAIM, 0);
            Set<Long> expected = new TreeSet<>();
            for (int t = 0; t < 4; t++) {
                TestThreads.runOnNewThread(() -> {
                    for (int i = 0; i < 200; i++) {
                        expected.add(a.malloc(i % 2 == 0 ? 40 : 300_000)); // small pages and large ones: several segments
                    }
                    a.threadDone();
                });
            }
            assertTrue(TestEngines.of(a).abandoned.count() >= 4);
            AtomicBoolean stop = new AtomicBoolean();
            TestThreads.Running[] searchers = new TestThreads.Running[2];
            for (int t = 0; t < searchers.length; t++) {
                searchers[t] = TestThreads.start(() -> {
                    while (!stop.get()) {
                        a.collect(false); // claims each abandoned segment, collects it, marks it abandoned again
                    }
                });
            }
            try {
                for (int round = 0; round < 20; round++) {
                    List<Long> madeByVisitor = new ArrayList<>();
                    Set<Long> seen = new TreeSet<>();
                    a.visitAbandonedBlocks(-1, true, (area, block, size) -> {
                        if (block != 0) {
                            assertTrue(seen.add(block));
                            if (seen.size() % 50 == 0) {
                                madeByVisitor.add(a.malloc(5000)); // a visitor may allocate
                            }
                        }
                        return true;
                    });
                    assertEquals(expected.size(), seen.size(), "round " + round + ": blocks visited");
                    assertTrue(expected.equals(seen), "round " + round + ": the same blocks");
                    madeByVisitor.forEach(a::free);
                }
            } finally {
                stop.set(true);
                for (TestThreads.Running s : searchers) {
                    s.thread().join();
                }
            }
            TestThreads.joinAll(searchers);
            for (long p : expected) {
                a.free(p);
            }
            a.collect(true);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @Test
    void aVisitorThatClosesTheAllocatorEndsTheVisit() throws Exception {
        Allocator a = visitable(Mode.FAST);
        TestThreads.runOnNewThread(() -> {
            a.malloc(100);
            a.threadDone();
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.visitAbandonedBlocks(-1, true, (area, block, size) -> {
            a.close();
            return true;
        }));
        assertTrue(e.getMessage().contains("closed by a HeapVisitor"), e.getMessage());
    }
}
