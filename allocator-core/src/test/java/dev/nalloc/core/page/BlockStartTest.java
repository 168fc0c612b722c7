package dev.nalloc.core.page;

import dev.nalloc.core.memory.SizeClasses;

import dev.nalloc.core.memory.Layout;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@link Page#isBlockStart}: the division-free block-start test against plain arithmetic. */
class BlockStartTest {

    private static final long START = 0x7f12_3450_0000L; // only arithmetic: the memory is never touched

    private static Page page(long blockSize, long area) {
        Page p = new Page(null, 0);
        p.init(null, PageKind.of(blockSize), START, area, blockSize, 1, false);
        return p;
    }

    @Test
    void inverseOfOddNumbers() {
        for (long odd : new long[] {1, 3, 5, 7, 9, 15, 17, 255, 1023, 0x7fff_ffffL, Long.MAX_VALUE, -1L}) {
            assertEquals(1L, odd * Page.inverseOfOdd(odd), "odd " + odd);
        }
    }

    @Test
    void matchesDivisionForEveryBinAroundTheWholePage() {
        for (int bin = 1; bin <= 80; bin++) {
            long bs = SizeClasses.binSize(bin);
            long area = (long) SizeClasses.pageSlices(bs) << Layout.SLICE_SHIFT;
            Page p = page(bs, area);
            long reserved = p.reserved;
            long step = Math.max(1, bs / 64); // every block start, and many interior offsets
            for (long off = -3 * bs; off < area + 3 * bs; off += off < 4 * bs || off > area - 4 * bs ? 1 : step) {
                boolean expected = off >= 0 && off % bs == 0 && off / bs < reserved;
                assertEquals(expected, p.isBlockStart(START + off), "bs " + bs + " offset " + off);
            }
            assertFalse(p.isBlockStart(0));
            assertFalse(p.isBlockStart(Long.MIN_VALUE));
            assertFalse(p.isBlockStart(START + reserved * bs), "one past the last block");
        }
    }

    @Test
    void freeSpanHasNoBlockStarts() {
        Page p = page(64, Layout.SMALL_PAGE_SIZE);
        assertEquals(true, p.isBlockStart(START));
        p.markFree();
        assertFalse(p.isBlockStart(START));
        assertFalse(p.isBlockStart(START + 64));
        assertFalse(p.inUse());
    }
}
