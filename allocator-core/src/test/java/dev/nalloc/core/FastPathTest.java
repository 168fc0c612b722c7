package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The malloc and free fast paths (the heap slot, its direct table and its last-freed segment):
 * misuse inside the cached segment still goes to the checking slow path, and a closed instance
 * fails although its fast paths do not check.
 */
class FastPathTest {

    /** Makes the calling thread the slot owner and caches a segment with a local free. */
    private static long warm(Allocator a) {
        long p = a.malloc(64);
        a.free(p);
        long q = a.malloc(64);
        a.free(q);
        return a.malloc(64);
    }

    @Test
    void interiorAddressInTheCachedSegmentIsUnalignedFree() {
        ErrorHandler.Capturing captured = ErrorHandler.capturing();
        try (Allocator a = TestAllocators.capturing(captured)) {
            long p = warm(a);
            long count = a.stats().allocationCount();
            a.free(p + 8);
            assertEquals(ErrorKind.UNALIGNED_FREE, captured.last().kind());
            assertEquals(count, a.stats().allocationCount(), "nothing changed");
            a.free(p);
            assertEquals(count - 1, a.stats().allocationCount());
        }
    }

    @Test
    void freeMemoryOfTheCachedSegmentIsInvalidFree() {
        ErrorHandler.Capturing captured = ErrorHandler.capturing();
        try (Allocator a = TestAllocators.capturing(captured)) {
            long p = warm(a);
            long farSlice = (p & ~((32L << 20) - 1)) + (31L << 20); // a slice no page covers yet
            a.free(farSlice);
            assertEquals(ErrorKind.INVALID_FREE, captured.last().kind());
            a.free(p);
        }
    }

    @Test
    void blocksOfOtherThreadsAndOtherSegmentsStillWork() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            warm(a);
            long big = a.malloc(200_000); // a medium or large page, maybe another segment
            long[] remote = new long[1];
            TestThreads.runOnNewThread(() -> remote[0] = a.malloc(64));
            a.free(remote[0]); // owned by the other thread: the remote path
            a.free(big);
            long p = a.malloc(64);
            a.free(p);
            assertEquals(1, a.stats().allocationCount(), "only the block of warm() is live");
        }
    }

    /**
     * The free fast path takes the page at the address's slice index in the cached segment without
     * checking the segment: a block of another thread's segment at the same offset (the first small
     * page of each segment, the same size class) must fail the cached page's block-start test and
     * take the remote path, never land on the caching thread's local free list.
     */
    @Test
    void blockAtTheSameOffsetInAnotherSegmentIsNotFreedLocally() throws Exception {
        long segment = 32L << 20;
        try (Allocator a = TestAllocators.create()) {
            long mine = warm(a);
            long[] theirs = new long[16];
            TestThreads.runOnNewThread(() -> {
                for (int i = 0; i < theirs.length; i++) {
                    theirs[i] = a.malloc(64);
                }
            });
            long other = 0;
            for (long q : theirs) {
                if ((q & (segment - 1)) == (mine & (segment - 1))) {
                    other = q;
                } else {
                    a.free(q);
                }
            }
            assertTrue((other & ~(segment - 1)) != (mine & ~(segment - 1)), "the other thread has a segment of its own");
            assertEquals(mine & (segment - 1), other & (segment - 1), "at the same offset as a block of this thread's cached segment");
            long before = a.stats().allocationCount();
            assertEquals(2, before, "this thread's block and the other's");
            a.free(other); // the remote path: the thread-free list of the other thread's page
            assertEquals(before - 1, a.stats().allocationCount());
            for (int i = 0; i < 5000; i++) { // this thread's pages never hand out the other segment's block
                long p = a.malloc(64);
                assertTrue((p & ~(segment - 1)) == (mine & ~(segment - 1)) || (p & ~(segment - 1)) != (other & ~(segment - 1)),
                        "block of the other thread's segment handed out here");
                a.free(p);
            }
            a.free(mine);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @Test
    void closedInstanceFailsOnBothFastPaths() {
        Allocator a = TestAllocators.create();
        long p = warm(a);
        a.close();
        IllegalStateException m = assertThrows(IllegalStateException.class, () -> a.malloc(64));
        assertTrue(m.getMessage().contains("closed"), m.getMessage());
        assertThrows(IllegalStateException.class, () -> a.free(p));
        assertThrows(IllegalStateException.class, () -> a.free(0));
        assertThrows(IllegalStateException.class, () -> a.malloc(5000));
    }

    @Test
    void anotherThreadClaimsTheSlotAfterThreadDone() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            long p = warm(a);
            a.threadDone();
            long[] got = new long[2];
            TestThreads.runOnNewThread(() -> {
                got[0] = warm(a);
                got[1] = a.malloc(64);
                a.free(got[1]);
                a.free(got[0]);
            });
            a.free(p); // the owner's block, now freed off the slot
            assertEquals(0, a.stats().allocationCount());
        }
    }
}
