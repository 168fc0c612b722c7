package dev.nalloc.core;

import dev.nalloc.api.Mode;
import org.junit.jupiter.api.Test;
import dev.nalloc.core.memory.Layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The whole {@link AllocatorContractTest} on a CHECKED instance. */
@ContractAllocator.Config(mode = Mode.CHECKED)
class CheckedContractTest extends AllocatorContractTest {

    /** CHECKED: the usable size is the requested size, so goodSize is the size itself. */
    @Override
    @Test
    void goodSizeFollowsTheClasses() {
        for (long n : new long[]{0, 1, 57, 65, 1000, 20_000, Layout.LARGE_OBJ_SIZE_MAX + 1}) {
            assertEquals(n, a.goodSize(n));
            if (n <= Layout.MEDIUM_OBJ_SIZE_MAX) {
                long p = a.malloc(n);
                assertEquals(a.goodSize(n), a.usableSize(p));
                a.free(p);
            }
        }
    }

    /** CHECKED: in place while the new size fits the block (before the padding) and uses at least half of it. */
    @Override
    @Test
    void reallocStaysInPlaceWhenItFitsAndWastesAtMostHalf() {
        long p = a.malloc(1000); // a block of 1024 bytes: room for 1016 before the 8 bytes of padding
        assertEquals(p, a.realloc(p, 1016));
        assertEquals(1016, a.usableSize(p));
        assertEquals(p, a.realloc(p, 508));
        assertEquals(508, a.usableSize(p));
        long moved = a.realloc(p, 400);
        assertNotEquals(p, moved);
        assertEquals(400, a.usableSize(moved));
        long grown = a.realloc(moved, 5000);
        assertNotEquals(moved, grown);
        a.free(grown);
    }
}
