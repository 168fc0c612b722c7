package dev.nalloc.core.heap;

import dev.nalloc.api.Allocator;
import dev.nalloc.core.FreshAllocator;
import dev.nalloc.core.TestEngines;
import dev.nalloc.core.TestThreads;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.AbandonedSegments;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.core.segment.SegmentProbes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SegmentReclaim} called directly: the remote frees of an abandoned segment's pages are
 * collected into them (mimalloc's {@code mi_segment_check_free}), an emptied segment is given back,
 * a segment with room for the request is taken over, one without is put back until its fourth visit.
 * Each test abandons one segment: a thread allocates {@link #BLOCKS} blocks of 64 bytes and calls
 * {@code threadDone}.
 */
@ExtendWith(FreshAllocator.class)
class SegmentReclaimTest {

    private static final int BLOCKS = 200;

    @FreshAllocator.Fresh
    private Allocator a;
    private AbandonedSegments abandoned;

    @BeforeEach
    void open() {
        abandoned = TestEngines.abandoned(a);
    }

    /** Blocks of a thread that then ends with {@code threadDone}: their segment is abandoned. */
    private long[] abandonBlocks() throws InterruptedException {
        long[] blocks = new long[BLOCKS];
        TestThreads.runOnNewThread(() -> {
            for (int i = 0; i < BLOCKS; i++) {
                blocks[i] = a.malloc(64);
            }
            a.threadDone();
        });
        assertEquals(1, abandoned.count());
        assertTrue(SegmentMap.lookup(blocks[0]).getVolatileAbandoned());
        return blocks;
    }

    private static Page pageOf(long block) {
        return Page.of(SegmentMap.lookup(block), block);
    }

    @Test
    void collectAbandonedTakesTheRemoteFreesIntoThePageAndLeavesTheSegmentAbandoned() throws Exception {
        long[] blocks = abandonBlocks();
        Page page = pageOf(blocks[0]);
        for (int i = 0; i < BLOCKS / 2; i++) {
            a.free(blocks[i]); // a remote free into an abandoned segment (no reclaim on free)
        }
        assertNotEquals(0, page.threadFreeHead(), "the frees wait on the page's thread-free list");
        assertEquals(BLOCKS, page.used(), "and stay counted as used until collected");
        LocalHeap heap = TestEngines.ownHeap(a);
        SegmentReclaim.collectAbandoned(heap, false);
        assertEquals(0, page.threadFreeHead());
        assertEquals(BLOCKS / 2, page.used());
        page.checkInvariants();
        Segment seg = SegmentMap.lookup(blocks[0]);
        assertTrue(seg.getVolatileAbandoned(), "a segment in use stays abandoned");
        assertEquals(1, abandoned.count());
        assertEquals(0, SegmentProbes.reclaimedEver(abandoned));
        assertFalse(heap.contains(blocks[BLOCKS - 1]), "its pages joined no heap");
        for (int i = BLOCKS / 2; i < BLOCKS; i++) {
            a.free(blocks[i]);
        }
        SegmentReclaim.collectAbandoned(heap, false);
        assertEquals(0, abandoned.count(), "emptied: given back");
        assertEquals(1, SegmentProbes.freedEver(abandoned));
        assertEquals(0, abandoned.pages());
    }

    @Test
    void aSegmentWithAPageOfTheRequestedSizeIsTakenOverByTheDefaultHeap() throws Exception {
        long[] blocks = abandonBlocks();
        a.free(blocks[7]); // room on the page after the collect
        LocalHeap heap = TestEngines.ownHeap(a);
        assertTrue(SegmentReclaim.reclaimForPage(heap, 1, 64));
        Segment seg = SegmentMap.lookup(blocks[0]);
        assertFalse(seg.getVolatileAbandoned());
        assertSame(Thread.currentThread(), seg.ownerThread());
        assertEquals(0, abandoned.count());
        assertEquals(1, SegmentProbes.reclaimedEver(abandoned));
        assertTrue(heap.contains(blocks[0]), "the page joined the reclaiming thread's heap");
        Page page = pageOf(blocks[0]);
        assertEquals(BLOCKS - 1, page.used(), "the remote free was collected on the way");
        assertSame(heap, page.getVolatileHeap());
        heap.checkInvariants();
        long p = a.malloc(64);
        assertSame(seg, SegmentMap.lookup(p), "the next block comes from the reclaimed segment");
        a.free(p);
        for (long b : blocks) {
            if (b != blocks[7]) {
                a.free(b); // local frees now
            }
        }
    }

    @Test
    void aSegmentWithoutRoomIsPutBackAndTakenOverOnItsFourthVisit() throws Exception {
        long[] blocks = abandonBlocks();
        Segment seg = SegmentMap.lookup(blocks[0]);
        LocalHeap heap = TestEngines.ownHeap(a);
        int tooMany = Layout.SLICES_PER_SEGMENT; // no free span of a whole segment: the page takes one
        for (int visit = 1; visit <= 3; visit++) {
            assertFalse(SegmentReclaim.reclaimForPage(heap, tooMany, 1024), "visit " + visit);
            assertTrue(seg.getVolatileAbandoned());
            assertEquals(visit, seg.abandonedVisits());
            assertEquals(1, abandoned.count());
        }
        assertTrue(SegmentReclaim.reclaimForPage(heap, tooMany, 1024), "the fourth visit takes it over");
        assertFalse(seg.getVolatileAbandoned());
        assertEquals(0, seg.abandonedVisits(), "the count starts again for its next abandonment");
        assertEquals(0, abandoned.count());
        assertTrue(heap.contains(blocks[0]));
        for (long b : blocks) {
            a.free(b);
        }
    }

    @Test
    void anEmptiedSegmentIsGivenBackByTheReclaimSearchInsteadOfTakenOver() throws Exception {
        long[] blocks = abandonBlocks();
        for (long b : blocks) {
            a.free(b);
        }
        assertEquals(1, abandoned.count(), "remote frees alone give nothing back");
        LocalHeap heap = TestEngines.ownHeap(a);
        assertFalse(SegmentReclaim.reclaimForPage(heap, 1, 64), "nothing taken over");
        assertEquals(0, abandoned.count());
        assertEquals(1, SegmentProbes.freedEver(abandoned));
        assertEquals(0, SegmentProbes.reclaimedEver(abandoned));
        assertEquals(0, heap.pageCount());
    }
}
