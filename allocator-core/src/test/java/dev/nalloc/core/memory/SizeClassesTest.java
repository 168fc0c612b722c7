package dev.nalloc.core.memory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizeClassesTest {

    @Test
    void wordExactUpToSixtyFourBytes() {
        assertEquals(1, SizeClasses.bin(0));
        for (int w = 1; w <= 8; w++) {
            assertEquals(w, SizeClasses.bin(w * 8L));
            assertEquals(w * 8L, SizeClasses.binSize(w));
            assertEquals(w * 8L, SizeClasses.blockSizeFor(w * 8L - 7));
        }
    }

    @Test
    void fourClassesPerPowerOfTwoAfterwards() {
        assertEquals(80, SizeClasses.blockSizeFor(65));
        assertEquals(96, SizeClasses.blockSizeFor(81));
        assertEquals(112, SizeClasses.blockSizeFor(97));
        assertEquals(128, SizeClasses.blockSizeFor(113));
        assertEquals(160, SizeClasses.blockSizeFor(129));
        assertEquals(1024, SizeClasses.blockSizeFor(1000));
        assertEquals(Layout.LARGE_OBJ_SIZE_MAX, SizeClasses.blockSizeFor(Layout.LARGE_OBJ_SIZE_MAX));
    }

    @Test
    void binsAreMonotoneAndBlockSizesCoverRequestsWithBoundedWaste() {
        int prevBin = 0;
        for (long size = 1; size <= Layout.LARGE_OBJ_SIZE_MAX; size += size < 4096 ? 1 : size / 61) {
            int bin = SizeClasses.bin(size);
            assertTrue(bin >= prevBin, "bins must not decrease at " + size);
            assertTrue(bin > 0 && bin < SizeClasses.BIN_HUGE, "bin " + bin + " for " + size);
            long bs = SizeClasses.binSize(bin);
            assertTrue(bs >= size, "block " + bs + " < request " + size);
            assertEquals(0, bs % 8);
            if (size > 64) {
                assertTrue(bs - size <= bs / 4, "waste too large at " + size + ": " + bs);
            }
            prevBin = bin;
        }
    }

    @Test
    void binCountsMatchMimallocsLayout() {
        assertEquals(SizeClasses.BIN_HUGE + 1, SizeClasses.BIN_FULL);
        assertTrue(SizeClasses.BIN_HUGE >= 73 && SizeClasses.BIN_HUGE <= 90, "bins: " + SizeClasses.BIN_HUGE);
        assertEquals(SizeClasses.bin(Layout.LARGE_OBJ_SIZE_MAX) + 1, SizeClasses.BIN_HUGE);
    }

    @Test
    void pageSlicesFollowBlockSizes() {
        assertEquals(1, SizeClasses.pageSlices(64));
        assertEquals(8, SizeClasses.pageSlices(40 << 10));
        assertEquals(16, SizeClasses.pageSlices(1 << 20));
    }

    @Test
    void hugeSizesRoundToSlices() {
        long n = Layout.LARGE_OBJ_SIZE_MAX + 1;
        assertTrue(SizeClasses.isHuge(n));
        assertEquals(Layout.alignUp(n, Layout.SLICE_SIZE), SizeClasses.blockSizeFor(n));
    }
}
