package dev.nalloc.core.segment;

import dev.nalloc.core.memory.Layout;

import dev.nalloc.core.arena.MemoryBlock;
import dev.nalloc.core.page.Page;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The map only stores and compares addresses: these segments describe memory that is never touched. */
class SegmentMapTest {

    private static Segment fake(long base, long size, boolean huge) {
        return new Segment(new Object(), null, null, new MemoryBlock(base, size, null, 0, 0, false, false), huge,
                Page.SPANS);
    }

    @Test
    void registeredSegmentsAreFoundByAnyInteriorAddress() {
        long base = 0x7a00_0000_0000L;
        Segment s = fake(base, Layout.SEGMENT_SIZE, false);
        SegmentMap.register(s);
        try {
            assertSame(s, SegmentMap.lookup(base));
            assertSame(s, SegmentMap.lookup(base + 12345));
            assertSame(s, SegmentMap.lookup(base + Layout.SEGMENT_SIZE - 1));
            assertNull(SegmentMap.lookup(base + Layout.SEGMENT_SIZE));
            assertNull(SegmentMap.lookup(base - 1));
        } finally {
            SegmentMap.unregister(s);
        }
        assertNull(SegmentMap.lookup(base + 12345));
    }

    @Test
    void hugeSegmentsCoverAllTheirChunksAndNoMore() {
        long base = 0x7b00_0000_0000L;
        long size = 3 * Layout.SEGMENT_SIZE + 5 * Layout.SLICE_SIZE;
        Segment s = fake(base, size, true);
        SegmentMap.register(s);
        try {
            assertSame(s, SegmentMap.lookup(base + 2 * Layout.SEGMENT_SIZE + 7));
            assertSame(s, SegmentMap.lookup(base + size - 1));
            assertNull(SegmentMap.lookup(base + size), "beyond the end of the segment in its last chunk");
        } finally {
            SegmentMap.unregister(s);
        }
    }

    @Test
    void addressesOutsideTheMappedSpaceAreUnknown() {
        assertNull(SegmentMap.lookup(0));
        assertNull(SegmentMap.lookup(-1));
        assertNull(SegmentMap.lookup(1L << 48));
        assertNull(SegmentMap.lookup(Long.MAX_VALUE));
        assertTrue(SegmentMap.fits(1L << 40, Layout.SEGMENT_SIZE));
        assertFalse(SegmentMap.fits((1L << 48) - Layout.SEGMENT_SIZE, 2 * Layout.SEGMENT_SIZE));
    }
}
