package dev.nalloc.core.heap;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Mode;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestThreads;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Legitimate use (issue 23): a heap's owner allocates, another thread frees some of its blocks and
 * is joined, the owner destroys the heap (or closes the arena). The statistics end exact: no live
 * block, no live byte. Remote frees into full pages wait on the heap's delayed-free list, already
 * subtracted by their freeing thread; destroy used to drop that list uncounted (the issue's -9 blocks
 * and -12160 bytes), in every mode.
 */
class DestroyAfterRemoteFreesTest {

    /** Sizes: one small class (pages fill up), mixed small, up to 100,000 B (large pages of one block), powers of two. */
    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            for (String sizes : new String[]{"64", "mixed", "large", "pow2"}) {
                out.add(Arguments.of(mode, sizes));
            }
        }
        return out.stream();
    }

    private static long size(String sizes, Random r) {
        return switch (sizes) {
            case "64" -> 64;
            case "mixed" -> 1 + r.nextInt(2000);
            case "large" -> 1 + r.nextInt(100_000);
            default -> 8L << r.nextInt(12);
        };
    }

    private static void freeOnAnotherThread(Allocator a, long[] blocks, boolean everyOther) throws InterruptedException {
        TestThreads.runOnNewThread(() -> {
            for (int i = 0; i < blocks.length; i++) {
                if (everyOther ? (i & 1) == 0 : i < blocks.length / 2) {
                    a.free(blocks[i]);
                }
            }
        });
    }

    private static void assertNothingLive(Allocator a, String what) {
        AllocatorStats s = a.stats();
        assertEquals(0, s.allocationCount(), what + ": live blocks");
        assertEquals(0, s.allocated(), what + ": live bytes");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void destroyAfterRemoteFreesLeavesExactCounts(Mode mode, String sizes) throws InterruptedException {
        for (boolean everyOther : new boolean[]{false, true}) {
            try (Allocator a = TestAllocators.builder().mode(mode).build()) {
                Random r = new Random(42);
                Heap h = a.newHeap();
                long[] blocks = new long[1000];
                for (int i = 0; i < blocks.length; i++) {
                    blocks[i] = h.malloc(size(sizes, r));
                }
                freeOnAnotherThread(a, blocks, everyOther);
                assertEquals(500, a.stats().allocationCount(), "half of the blocks are live");
                h.destroy();
                assertNothingLive(a, "after destroy");
                // and the thread goes on: its default heap and new heaps count from zero
                Heap h2 = a.newHeap();
                long p = h2.malloc(100);
                assertEquals(1, a.stats().allocationCount());
                a.free(p);
                h2.destroy();
                assertNothingLive(a, "after a second heap");
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void arenaCloseAfterRemoteFreesLeavesExactCounts(Mode mode, String sizes) throws InterruptedException {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            Random r = new Random(7);
            long[] blocks = new long[400];
            try (Arena arena = a.newArena()) {
                for (int i = 0; i < blocks.length; i++) {
                    MemorySegment s = arena.allocate(size(sizes, r));
                    blocks[i] = s.address();
                }
                // an arena's blocks are freed by its close; a program may still free some of them early
                freeOnAnotherThread(a, blocks, true);
                assertEquals(200, a.stats().allocationCount());
            }
            assertNothingLive(a, "after the arena closed");
        }
    }
}
