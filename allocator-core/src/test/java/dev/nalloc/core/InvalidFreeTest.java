package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorMisuseException;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.core.heap.HeapProbes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(FreshAllocator.class)
class InvalidFreeTest {

    private final ErrorHandler.Capturing captured = ErrorHandler.capturing();
    @FreshAllocator.Fresh(errorHandler = "captured")
    private Allocator a;
    @FreshAllocator.Fresh
    private Allocator thrower;

    private void assertUnchanged(AllocatorStats before) {
        AllocatorStats after = a.stats();
        assertEquals(before.allocated(), after.allocated());
        assertEquals(before.allocationCount(), after.allocationCount());
        assertEquals(before.osCommitted(), after.osCommitted());
    }

    /** The allocator still works: a block can be had, written and freed. */
    private void assertStillWorks() {
        long p = a.malloc(100);
        TestAllocators.fill(p, 100, 1);
        assertTrue(TestAllocators.check(p, 100, 1));
        a.free(p);
    }

    @Test
    void defaultHandlerThrowsMisuseExceptionWithKindAndPrefix() {
        long outside;
        try (Arena arena = Arena.ofConfined()) {
            outside = arena.allocate(64).address();
            AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class, () -> thrower.free(outside));
            assertEquals(ErrorKind.INVALID_FREE, e.kind());
            assertEquals(outside, e.address());
            assertTrue(e.getMessage().startsWith("nalloc: invalid free"), e.getMessage());
            assertTrue(e instanceof IllegalArgumentException);
        }
    }

    @Test
    void freeOfAnAddressOutsideIsReportedAndChangesNothing() {
        long p = a.malloc(64);
        AllocatorStats before = a.stats();
        try (Arena arena = Arena.ofConfined()) {
            long outside = arena.allocate(64).address();
            a.free(outside);
            assertEquals(ErrorKind.INVALID_FREE, captured.last().kind());
            assertEquals(outside, captured.last().address());
        }
        a.free(0x1234_5678L);
        a.free(-8);
        a.free(Long.MAX_VALUE - 7);
        assertEquals(4, captured.reports().size());
        captured.reports().forEach(r -> assertEquals(ErrorKind.INVALID_FREE, r.kind()));
        assertEquals(0, a.usableSize(0x1234_5678L));
        assertEquals(0, a.realloc(0x1234_5678L, 10));
        assertUnchanged(before);
        assertStillWorks();
        a.free(p);
    }

    @Test
    void blocksOfAnotherInstanceAreInvalidHere() {
        long theirs = thrower.malloc(64);
        long mine = a.malloc(64);
        AllocatorStats before = a.stats();
        a.free(theirs);
        assertEquals(ErrorKind.INVALID_FREE, captured.last().kind());
        assertEquals(theirs, captured.last().address());
        assertThrows(AllocatorMisuseException.class, () -> thrower.free(mine));
        assertEquals(64, thrower.usableSize(theirs), "their block is intact");
        assertUnchanged(before);
        thrower.free(theirs);
        a.free(mine);
    }

    @Test
    void interiorPointersAreUnalignedFrees() {
        long p = a.malloc(256);
        AllocatorStats before = a.stats();
        a.free(p + 8);
        assertEquals(ErrorKind.UNALIGNED_FREE, captured.last().kind());
        assertEquals(p + 8, captured.last().address());
        assertTrue(captured.last().message().startsWith("nalloc: unaligned free"));
        assertEquals(0, a.usableSize(p + 16));
        assertEquals(ErrorKind.UNALIGNED_FREE, captured.last().kind());
        long huge = a.malloc(40L << 20);
        a.free(huge + 4096);
        assertEquals(ErrorKind.UNALIGNED_FREE, captured.last().kind());
        a.free(huge);
        assertUnchanged(before);
        a.free(p);
        assertStillWorks();
    }

    @Test
    void addressesInFreeMemoryOfTheInstanceAreInvalid() {
        long p = a.malloc(64);
        assertTrue(a.isInHeapRegion(p));
        long farInSegment = (p & ~((32L << 20) - 1)) + (20L << 20); // a slice no page covers yet
        assertTrue(a.isInHeapRegion(farInSegment));
        AllocatorStats before = a.stats();
        a.free(farInSegment);
        assertEquals(ErrorKind.INVALID_FREE, captured.last().kind());
        assertUnchanged(before);
        a.free(p);
    }

    @Test
    void interiorAddressesOfAlignedBlocksAreAllowed() {
        long p = a.mallocAligned(100, 1024);
        assertNotEquals(0, p);
        long usable = a.usableSize(p);
        assertTrue(usable >= 100);
        long count = a.stats().allocationCount();
        a.free(p);
        assertEquals(count - 1, a.stats().allocationCount());
        assertTrue(captured.reports().isEmpty(), () -> captured.reports().toString());
    }

    @Test
    void aWildWriteIntoAThreadFreeListIsReportedAsCorruption() throws Exception {
        long[] ps = new long[10];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = a.malloc(64);
        }
        TestThreads.runOnNewThread(() -> {
            a.free(ps[3]);
            a.free(ps[4]);
        });
        dev.nalloc.core.memory.Mem.store(ps[4], 0x10); // use after free: the link now points nowhere
        a.collect(true); // forced: thread-free lists are collected even where free blocks remain
        assertEquals(ErrorKind.FREE_LIST_CORRUPTION, captured.last().kind());
        assertTrue(captured.last().message().startsWith("nalloc: free list corrupted"), captured.last().message());
        assertStillWorks();
        HeapProbes.checkInvariants(((NallocHeap) a.heap()).localHeap());
        for (int i = 0; i < ps.length; i++) {
            if (i != 3 && i != 4) {
                a.free(ps[i]);
            }
        }
    }

    @Test
    void segmentsThatAreNotNativeAreRefused() {
        a.free(java.lang.foreign.MemorySegment.ofArray(new byte[8]));
        assertEquals(ErrorKind.INVALID_FREE, captured.last().kind());
    }
}
