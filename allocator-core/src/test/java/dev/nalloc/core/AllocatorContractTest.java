package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.core.memory.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The allocator contract that every instance keeps; {@link ContractAllocator} opens the instance (FAST here). */
@ExtendWith(ContractAllocator.class)
class AllocatorContractTest {

    /** The allocator under test; {@link CheckedContractTest}, {@link SecureContractTest} and the {@code *VirtualContractTest}s run the same contract on other modes and on virtual threads. */
    static Allocator a;

    @Test
    void mallocZeroIsUniqueAndNonZero() {
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            long p = a.malloc(0);
            assertNotEquals(0, p);
            assertTrue(seen.add(p), "malloc(0) returned a live address twice");
        }
        seen.forEach(a::free);
    }

    @Test
    void freeOfZeroDoesNothingAndUsableSizeOfZeroIsZero() {
        a.free(0);
        assertEquals(0, a.usableSize(0));
    }

    @Test
    void negativeArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> a.malloc(-1));
        assertThrows(IllegalArgumentException.class, () -> a.zalloc(-1));
        assertThrows(IllegalArgumentException.class, () -> a.calloc(-1, 8));
        assertThrows(IllegalArgumentException.class, () -> a.calloc(8, -1));
        assertThrows(IllegalArgumentException.class, () -> a.mallocn(-1, 8));
        assertThrows(IllegalArgumentException.class, () -> a.mallocAligned(-1, 8));
        assertThrows(IllegalArgumentException.class, () -> a.mallocAlignedAt(8, 8, -1));
        assertThrows(IllegalArgumentException.class, () -> a.goodSize(-1));
        assertThrows(IllegalArgumentException.class, () -> a.realloc(0, -1));
    }

    @Test
    void badAlignmentsAreRefused() {
        for (long bad : new long[]{0, -8, 3, 24, 100, Long.MIN_VALUE}) {
            assertThrows(IllegalArgumentException.class, () -> a.mallocAligned(8, bad), "alignment " + bad);
            assertThrows(IllegalArgumentException.class, () -> a.zallocAligned(8, bad), "alignment " + bad);
            assertThrows(IllegalArgumentException.class, () -> a.allocate(8, bad), "alignment " + bad);
        }
    }

    @Test
    void overflowingProductsReturnZero() {
        assertEquals(0, a.calloc(Long.MAX_VALUE, 2));
        assertEquals(0, a.calloc(1L << 32, 1L << 32));
        assertEquals(0, a.mallocn(1L << 40, 1L << 30));
    }

    @Test
    void impossibleSizesReturnZeroAndSegmentsThrowOutOfMemory() {
        assertEquals(0, a.malloc(Long.MAX_VALUE));
        assertEquals(0, a.zalloc(Long.MAX_VALUE - 7));
        assertEquals(0, a.mallocAligned(Long.MAX_VALUE / 2, 64));
        assertEquals(0, a.mallocAligned(8, 1L << 62));
        assertThrows(OutOfMemoryError.class, () -> a.allocate(Long.MAX_VALUE, 8));
    }

    @Test
    void usableSizeCoversRequestAndEqualsGoodSizeForSmallAndMedium() {
        for (long n = 0; n <= Layout.MEDIUM_OBJ_SIZE_MAX; n += (n < 2048 ? 1 : 97)) {
            long p = a.malloc(n);
            long usable = a.usableSize(p);
            assertTrue(usable >= n, "usable " + usable + " < " + n);
            assertEquals(a.goodSize(n), usable, "size " + n);
            a.free(p);
        }
    }

    @Test
    void everySizeKindIsWritable() {
        long[] sizes = {1, 8, 64, 1000, 1024, 1025, 8 << 10, (8 << 10) + 1, 64 << 10, (64 << 10) + 1, 1 << 20,
                Layout.LARGE_OBJ_SIZE_MAX, Layout.LARGE_OBJ_SIZE_MAX + 1, 40L << 20};
        for (long n : sizes) {
            long p = a.malloc(n);
            assertNotEquals(0, p, "size " + n);
            assertTrue(a.usableSize(p) >= n);
            assertEquals(0, p % 8, "blocks are word aligned");
            TestAllocators.fill(p, n, n);
            assertTrue(TestAllocators.check(p, n, n));
            assertTrue(a.isInHeapRegion(p));
            a.free(p);
        }
    }

    @Test
    void zallocAndCallocAreZeroEvenAfterDirtyReuse() {
        for (long n : new long[]{16, 200, 3000, 20_000, 100_000, 3 << 20, 20 << 20}) {
            long p = a.malloc(n);
            TestAllocators.fill(p, a.usableSize(p), 77);
            a.free(p);
            long z = a.zalloc(n);
            assertTrue(TestAllocators.isZero(z, a.usableSize(z)), "zalloc(" + n + ") not zero");
            TestAllocators.fill(z, n, 5);
            a.free(z);
            long c = a.calloc(n / 8, 8);
            assertTrue(TestAllocators.isZero(c, n / 8 * 8), "calloc not zero");
            a.free(c);
        }
    }

    @Test
    void everyAlignmentUpToAndBeyondFourMiB() {
        for (long align = 1; align <= (64L << 20); align <<= 1) {
            for (long size : new long[]{0, 1, 100, 5000, 100_000}) {
                long p = a.mallocAligned(size, align);
                assertNotEquals(0, p);
                assertEquals(0, p % align, "size " + size + " alignment " + align);
                assertTrue(a.usableSize(p) >= size);
                TestAllocators.fill(p, size, align);
                long z = a.zallocAligned(size, align);
                assertEquals(0, z % align);
                assertTrue(TestAllocators.isZero(z, size));
                assertTrue(TestAllocators.check(p, size, align));
                a.free(p);
                a.free(z);
            }
        }
    }

    @Test
    void alignedAtOffset() {
        for (long align = 8; align <= (32L << 20); align <<= 3) {
            for (long offset : new long[]{0, 8, 24, 1000}) {
                long p = a.mallocAlignedAt(500, align, offset);
                assertNotEquals(0, p);
                assertEquals(0, (p + offset) % align, "alignment " + align + " offset " + offset);
                TestAllocators.fill(p, 500, offset);
                assertTrue(a.usableSize(p) >= 500);
                a.free(p);
            }
        }
    }

    @Test
    void offsetsThatAreNotWordMultiples() {
        for (long offset : new long[]{1, 4, 12, 4095}) {
            for (long align : new long[]{8, 16, 4096, 1L << 20}) {
                long p = a.mallocAlignedAt(33, align, offset);
                assertEquals(0, (p + offset) % align, "alignment " + align + " offset " + offset);
                assertTrue(a.usableSize(p) >= 33);
                TestAllocators.fill(p, 33, offset);
                long q = a.realloc(p, 5000);
                assertTrue(TestAllocators.check(q, 33, offset), "realloc of an interior aligned address keeps contents");
                a.free(q);
            }
        }
    }

    @Test
    void interiorAddressesOfAlignedBlocksAreFreeable() {
        long p = a.mallocAligned(100, 4096);
        assertEquals(0, p % 4096);
        assertTrue(a.usableSize(p) >= 100);
        a.free(p);
    }

    @Test
    void reallocAcrossSizeKindsBothWaysKeepsContents() {
        long[] sizes = {24, 3000, 60_000, 2 << 20, 30 << 20, 1 << 20, 50_000, 500, 16};
        long p = a.malloc(sizes[0]);
        TestAllocators.fill(p, sizes[0], 9);
        long prev = sizes[0];
        for (int i = 1; i < sizes.length; i++) {
            long n = sizes[i];
            long q = a.realloc(p, n);
            assertNotEquals(0, q);
            long kept = Math.min(prev, n);
            assertTrue(TestAllocators.check(q, kept, 9), "contents lost going " + prev + " -> " + n);
            TestAllocators.fill(q, n, 9);
            p = q;
            prev = n;
        }
        a.free(p);
    }

    @Test
    void reallocStaysInPlaceWhenItFitsAndWastesAtMostHalf() {
        long p = a.malloc(1000);
        long usable = a.usableSize(p);
        assertEquals(p, a.realloc(p, usable));
        assertEquals(p, a.realloc(p, usable / 2));
        long moved = a.realloc(p, usable / 2 - 100);
        assertNotEquals(p, moved);
        a.free(moved);
    }

    @Test
    void reallocOfZeroMallocsAndExpandIsInPlaceOnly() {
        long p = a.realloc(0, 100);
        assertNotEquals(0, p);
        long usable = a.usableSize(p);
        assertEquals(p, a.expand(p, usable));
        assertEquals(0, a.expand(p, usable + 1));
        assertEquals(usable, a.usableSize(p), "a failed expand leaves the block alone");
        a.free(p);
    }

    @Test
    void reallocFailureKeepsTheOldBlockAndReallocfFreesIt() {
        long p = a.malloc(100);
        TestAllocators.fill(p, 100, 3);
        assertEquals(0, a.realloc(p, Long.MAX_VALUE));
        assertTrue(TestAllocators.check(p, 100, 3));
        long count = a.stats().allocationCount();
        assertEquals(0, a.reallocf(p, Long.MAX_VALUE));
        assertEquals(count - 1, a.stats().allocationCount());
    }

    @Test
    void reallocAlignedKeepsAlignmentAndContents() {
        long p = a.mallocAligned(100, 256);
        TestAllocators.fill(p, 100, 1);
        long q = a.reallocAligned(p, 10_000, 4096);
        assertEquals(0, q % 4096);
        assertTrue(TestAllocators.check(q, 100, 1));
        long r = a.reallocAligned(q, 9000, 4096);
        assertEquals(q, r, "fits and is aligned: in place");
        a.free(r);
        long s = a.reallocAligned(0, 64, 1L << 20);
        assertEquals(0, s % (1L << 20));
        a.free(s);
    }

    @Test
    void segmentAllocatorGivesZeroedExactSegments() {
        var seg = a.allocate(100, 64);
        assertEquals(100, seg.byteSize());
        assertEquals(0, seg.address() % 64);
        for (int i = 0; i < 100; i++) {
            assertEquals(0, seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i));
        }
        seg.fill((byte) 1);
        a.free(seg);
        var ints = a.allocateFrom(java.lang.foreign.ValueLayout.JAVA_INT, 1, 2, 3);
        assertEquals(12, ints.byteSize());
        assertEquals(3, ints.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, 2));
        a.free(ints);
        var empty = a.allocate(0, 1);
        assertEquals(0, empty.byteSize());
        a.free(empty);
    }

    @Test
    void goodSizeFollowsTheClasses() {
        assertEquals(8, a.goodSize(0));
        assertEquals(8, a.goodSize(1));
        assertEquals(64, a.goodSize(57));
        assertEquals(80, a.goodSize(65));
        assertTrue(a.goodSize(Layout.LARGE_OBJ_SIZE_MAX + 1) >= Layout.LARGE_OBJ_SIZE_MAX + 1);
    }
}
