package dev.nalloc.spi;

import dev.nalloc.spi.conformance.SimulatedAddressSpace;
import dev.nalloc.spi.conformance.SparseMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimulatedAddressSpaceTest {

    private static final long PAGE = 4096;
    private static final long CAPACITY = 64 * PAGE;

    private final SparseMemory memory = new SparseMemory(CAPACITY);
    /** The simulated kernel's page table: true = in use. */
    private final boolean[] used = new boolean[(int) (CAPACITY / PAGE)];
    private final SimulatedAddressSpace space = new SimulatedAddressSpace(memory, PAGE, PAGE);

    @AfterEach
    void close() {
        memory.close();
    }

    private long take(long size, long alignment) {
        long p = space.findFree(size, alignment, i -> used[i]);
        if (p != 0) {
            space.forPages(p, size, i -> used[i] = true);
        }
        return p;
    }

    @Test
    void pagesAndAddressesMapBothWays() {
        assertEquals(64, space.pageCount());
        assertEquals(0, space.pageIndex(memory.base()));
        assertEquals(0, space.pageIndex(memory.base() + PAGE - 1));
        assertEquals(3, space.pageIndex(memory.base() + 3 * PAGE + 17));
        assertEquals(memory.base() + 5 * PAGE, space.addressOf(5));
    }

    @Test
    void insideIsTheWholeMemoryAndNothingElse() {
        long base = memory.base();
        assertTrue(space.inside(base, CAPACITY));
        assertTrue(space.inside(base + CAPACITY - PAGE, PAGE));
        assertTrue(space.inside(base + CAPACITY, 0));
        assertFalse(space.inside(base - PAGE, PAGE));
        assertFalse(space.inside(base + CAPACITY - PAGE, 2 * PAGE));
        assertFalse(space.inside(base, CAPACITY + PAGE));
        assertFalse(space.inside(base, -PAGE));
        assertFalse(space.inside(base + PAGE, Long.MAX_VALUE));
    }

    @Test
    void forPagesWalksEveryPageLowestFirst() {
        List<Integer> seen = new ArrayList<>();
        space.forPages(memory.base() + 2 * PAGE, 3 * PAGE, seen::add);
        assertEquals(List.of(2, 3, 4), seen);
        space.forPages(memory.base(), -PAGE, seen::add);
        assertEquals(3, seen.size(), "a negative size walks nothing");
    }

    @Test
    void lastPageWhereFindsTheHighestMatch() {
        used[3] = true;
        used[5] = true;
        long base = memory.base();
        assertEquals(base + 5 * PAGE, space.lastPageWhere(base, 8 * PAGE, i -> used[i]));
        assertEquals(base + 3 * PAGE, space.lastPageWhere(base, 5 * PAGE, i -> used[i]));
        assertEquals(-1, space.lastPageWhere(base, 3 * PAGE, i -> used[i]));
    }

    @Test
    void nextFitStartsAtTheFirstOffsetAndMovesOn() {
        long base = memory.base();
        assertEquals(base + PAGE, take(2 * PAGE, PAGE), "starts one page in");
        assertEquals(base + 3 * PAGE, take(PAGE, PAGE), "then goes on after the last fit");
        assertEquals(base + 8 * PAGE, take(PAGE, 8 * PAGE), "aligned");
    }

    @Test
    void nextFitSkipsPagesInUse() {
        long base = memory.base();
        used[2] = true;
        used[6] = true;
        assertEquals(base + 3 * PAGE, take(3 * PAGE, PAGE), "page 1 alone is too small, 3 to 5 fit");
        assertEquals(base + 7 * PAGE, take(2 * PAGE, PAGE));
    }

    @Test
    void nextFitWrapsAroundOnceThenGivesUp() {
        long base = memory.base();
        assertEquals(base + PAGE, take(62 * PAGE, PAGE));
        assertEquals(base + 63 * PAGE, take(PAGE, PAGE), "the last page");
        assertEquals(base, take(PAGE, PAGE), "wrapped to the start");
        assertEquals(0, take(PAGE, PAGE), "full");
        space.forPages(base + 10 * PAGE, 2 * PAGE, i -> used[i] = false);
        assertEquals(base + 10 * PAGE, take(2 * PAGE, PAGE), "a hole freed behind the cursor");
        assertEquals(0, take(2 * PAGE, PAGE));
    }

    @Test
    void badGeometryIsRefused() {
        assertEquals("page size 3000 is not a power of two",
                assertThrows(IllegalArgumentException.class, () -> new SimulatedAddressSpace(memory, 3000, 0)).getMessage());
        assertEquals("first offset " + CAPACITY + " is outside the memory",
                assertThrows(IllegalArgumentException.class, () -> new SimulatedAddressSpace(memory, PAGE, CAPACITY)).getMessage());
        assertEquals("first offset -1 is outside the memory",
                assertThrows(IllegalArgumentException.class, () -> new SimulatedAddressSpace(memory, PAGE, -1)).getMessage());
    }
}
