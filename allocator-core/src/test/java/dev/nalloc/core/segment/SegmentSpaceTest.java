package dev.nalloc.core.segment;

import dev.nalloc.core.memory.Layout;

import dev.nalloc.core.arena.Arenas;
import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.os.OsMemory;
import dev.nalloc.core.page.Page;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.PurgePolicy;
import dev.nalloc.core.os.OsProbes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Span split and coalesce over real segments from the Linux OS layer (no arenas: OS memory). */
class SegmentSpaceTest {

    private OsMemory os;
    private SegmentMemory memory;
    private SegmentSpace space;

    @BeforeEach
    void setUp() {
        os = OsProbes.newOsMemory(OsPrimitives.best(), new Reporter(ErrorHandler.throwing()));
        PurgePolicy never = new PurgePolicy() {
            @Override
            public long deadline(long now, long currentDeadline, boolean arena) {
                return NEVER; // only forced collects purge here
            }

            @Override
            public boolean decommits() {
                return true;
            }
        };
        memory = new SegmentMemory(this, Page.SPANS, os, new Arenas(os, 1L << 30, 0, never, false), false, true);
        OsProbes.freeRetiredWhenUnreachable(os, memory); // as an instance does: what tearDown retires goes with the test's objects
        space = new SegmentSpace(Thread.currentThread(), memory, false, 0, never);
    }

    @AfterEach
    void tearDown() {
        os.close();
        memory.retireAll();
        assertEquals(0, OsProbes.reserved(os));
        assertEquals(0, OsProbes.committed(os));
    }

    @Test
    void spansAreSplitOnUseAndTheRestStaysFree() {
        Span a = space.allocateSpan(1);
        assertNotNull(a);
        assertEquals(1, space.segments());
        assertEquals(0, a.sliceIndex);
        assertTrue(a.inUse());
        assertTrue(a.isZeroInit(), "fresh OS memory reads as zero");
        Span b = space.allocateSpan(8);
        assertEquals(1, b.sliceIndex);
        assertEquals(1, space.freeSpans(), "one free remainder after two splits");
        Segment seg = a.segment;
        assertSame(b, seg.cover[1]);
        assertSame(b, seg.cover[8]);
        assertFalse(seg.cover[9].inUse());
        assertEquals(9, seg.cover[9].sliceIndex);
        assertEquals(Layout.SLICES_PER_SEGMENT - 9, seg.cover[9].sliceCount());
        assertEquals(9 * Layout.SLICE_SIZE, seg.committedBytes(), "committed on demand: only used slices");
    }

    @Test
    void freedSpansCoalesceWithFreeNeighbours() {
        Span a = space.allocateSpan(2);
        Span b = space.allocateSpan(3);
        Span c = space.allocateSpan(4);
        Segment seg = a.segment;
        space.freeSpan(a);
        assertEquals(2, space.freeSpans());
        space.freeSpan(c);
        assertEquals(2, space.freeSpans(), "c merged with the tail span");
        assertFalse(seg.cover[5].inUse());
        assertEquals(5, seg.cover[5].sliceIndex);
        assertEquals(Layout.SLICES_PER_SEGMENT - 5, seg.cover[Layout.SLICES_PER_SEGMENT - 1].sliceCount);
        Span reuse = space.allocateSpan(2);
        assertEquals(0, reuse.sliceIndex, "the freed head span is reused first (smallest fit bin)");
        space.freeSpan(reuse);
        space.freeSpan(b);
        assertEquals(0, space.segments(), "all free: the segment is given back (kept as spare)");
        assertTrue(space.hasSpare());
        space.collect(true);
        assertFalse(space.hasSpare());
        assertEquals(0, memory.segments());
    }

    @Test
    void aFullSegmentLeadsToASecondOne() {
        Span big = space.allocateSpan(Layout.SLICES_PER_SEGMENT - 1);
        Span one = space.allocateSpan(1);
        assertSame(big.segment, one.segment);
        Span next = space.allocateSpan(2);
        assertTrue(next.segment != big.segment);
        assertEquals(2, space.segments());
        assertEquals(2, memory.segments());
    }

    @Test
    void purgeDecommitsFreeSpans() {
        Span a = space.allocateSpan(4);
        Span b = space.allocateSpan(4);
        Segment seg = a.segment;
        assertEquals(8 * Layout.SLICE_SIZE, seg.committedBytes());
        space.freeSpan(a);
        space.collect(true);
        assertEquals(4 * Layout.SLICE_SIZE, seg.committedBytes(), "the freed span was decommitted");
        assertEquals(4 * Layout.SLICE_SIZE, OsProbes.committed(os));
        space.freeSpan(b);
    }
}
