package dev.nalloc.spi;

import dev.nalloc.spi.OsPrimitives.Allocation;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The default {@link OsPrimitives#allocAligned} algorithm, against the simulated OS. */
class AlignedAllocationTest {

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    private static final long BASE = 0x20_0000_0000L;

    private static FakeOsPrimitives.Call alloc(long hint, long size, long alignment, boolean commit) {
        return new FakeOsPrimitives.Call("alloc", hint, size, alignment, commit);
    }

    private static FakeOsPrimitives.Call free(long address, long size) {
        return new FakeOsPrimitives.Call("free", address, size, 0, false);
    }

    @Test
    void anAlignedFirstAttemptIsReturnedAsIs() {
        FakeOsPrimitives os = new FakeOsPrimitives(4 * KIB, true).script(BASE);
        Allocation a = os.allocAligned(MIB, 4 * MIB, true, false);
        assertEquals(new Allocation(BASE, MIB, false, true, 0), a);
        assertEquals(List.of(alloc(0, MIB, 4 * MIB, true)), os.calls());
    }

    @Test
    void withPartialFreeTheOverAllocationIsTrimmedAtBothEnds() {
        long misaligned = BASE + 64 * KIB;
        long over = BASE + MIB + 64 * KIB; // 1 MiB + 64 KiB: the aligned address inside is BASE + 4 MiB
        FakeOsPrimitives os = new FakeOsPrimitives(4 * KIB, true).script(misaligned, over);
        Allocation a = os.allocAligned(MIB, 4 * MIB, true, false);
        long aligned = BASE + 4 * MIB;
        assertTrue(a.ok());
        assertEquals(aligned, a.address());
        assertEquals(MIB, a.size());
        assertTrue(a.zero());
        assertEquals(List.of(
                alloc(0, MIB, 4 * MIB, true),
                free(misaligned, MIB),
                alloc(0, 5 * MIB, 4 * MIB, true),
                free(over, aligned - over),
                free(aligned + MIB, over + 5 * MIB - (aligned + MIB))), os.calls());
        assertEquals(MIB, os.reservedBytes(), "the trimmed parts were not all given back");
    }

    @Test
    void withPartialFreeAnOverAllocationAlignedAtItsStartHasOnlyATail() {
        FakeOsPrimitives os = new FakeOsPrimitives(4 * KIB, true).script(BASE + 64 * KIB, BASE + 4 * MIB);
        Allocation a = os.allocAligned(MIB, 4 * MIB, false, false);
        assertEquals(BASE + 4 * MIB, a.address());
        assertEquals(List.of(free(BASE + 5 * MIB, 4 * MIB)), os.calls("free").subList(1, 2));
        assertEquals(MIB, os.reservedBytes());
    }

    @Test
    void withoutPartialFreeTheOverAllocationIsReservedOnlyThenReplacedByTheAlignedPart() {
        long misaligned = BASE + 64 * KIB;
        long over = BASE + MIB + 64 * KIB;
        FakeOsPrimitives os = new FakeOsPrimitives(64 * KIB, false).script(misaligned, over);
        Allocation a = os.allocAligned(MIB, 4 * MIB, true, false);
        long aligned = BASE + 4 * MIB;
        assertEquals(aligned, a.address());
        assertEquals(List.of(
                alloc(0, MIB, 4 * MIB, true),
                free(misaligned, MIB),
                alloc(0, 5 * MIB, 4 * MIB, false), // the over-allocation is never committed
                free(over, 5 * MIB),
                alloc(aligned, MIB, 4 * MIB, true)), os.calls());
        assertEquals(MIB, os.reservedBytes());
    }

    @Test
    void withoutPartialFreeALostRaceIsRetriedThreeTimesThenFails() {
        FakeOsPrimitives os = new FakeOsPrimitives(64 * KIB, false).honorHints(false);
        Allocation a = os.allocAligned(MIB, 4 * MIB, true, false);
        assertEquals(Allocation.failed(12), a);
        List<FakeOsPrimitives.Call> allocs = os.calls("alloc");
        assertEquals(1 + 3 * 2, allocs.size(), "first try, then three rounds of over-allocation and exact attempt");
        assertEquals(0, os.reservedBytes(), "a failed aligned allocation leaked reservations");
    }

    @Test
    void aFailingFirstAttemptIsReturned() {
        FakeOsPrimitives os = new FakeOsPrimitives(4 * KIB, true).failAllocAfter(0);
        assertEquals(Allocation.failed(12), os.allocAligned(MIB, 4 * MIB, false, false));
        assertEquals(1, os.calls().size());
    }

    @Test
    void aFailingOverAllocationIsReturnedAndTheFirstAttemptFreed() {
        FakeOsPrimitives os = new FakeOsPrimitives(4 * KIB, true).failAllocAfter(1);
        assertEquals(Allocation.failed(12), os.allocAligned(MIB, 4 * MIB, false, false));
        assertEquals(0, os.reservedBytes());
    }

    @Test
    void badSizesAndAlignmentsAreRefusedWithoutAnyCall() {
        FakeOsPrimitives os = new FakeOsPrimitives(4 * KIB, true);
        for (long[] bad : new long[][]{{0, MIB}, {-MIB, MIB}, {MIB, 0}, {MIB, -MIB}, {MIB, 3 * MIB}, {MIB, Long.MIN_VALUE}}) {
            Allocation a = os.allocAligned(bad[0], bad[1], false, false);
            assertEquals(Allocation.failed(22), a, "size " + bad[0] + ", alignment " + bad[1]);
            assertFalse(a.ok());
        }
        assertEquals(List.of(), os.calls());
    }

    @Test
    void anOverflowingOverAllocationFailsWithEnomem() {
        long size = Long.MAX_VALUE - 2 * MIB + 1 & -(4 * KIB); // over-allocating by 4 MiB overflows
        FakeOsPrimitives os = new FakeOsPrimitives(4 * KIB, true);
        // the fake refuses sizes beyond 2^47, so script a first attempt that is accepted by a fake with a huge limit
        OsPrimitives accepting = new DelegatingAlloc(os, size);
        Allocation a = accepting.allocAligned(size, 4 * MIB, false, false);
        assertEquals(Allocation.failed(12), a);
    }

    /** Lets a first, absurdly large reservation succeed misaligned, to reach the overflow check. */
    private static final class DelegatingAlloc extends ForwardingOsPrimitives {
        private final long size;

        DelegatingAlloc(FakeOsPrimitives os, long size) {
            super(os);
            this.size = size;
        }

        @Override
        public Allocation alloc(long hintAddress, long size, long tryAlignment, boolean commit, boolean allowLarge) {
            return size == this.size ? new Allocation(BASE + 64 * KIB, size, false, true, 0)
                    : delegate().alloc(hintAddress, size, tryAlignment, commit, allowLarge);
        }

        @Override
        public Allocation allocAligned(long size, long alignment, boolean commit, boolean allowLarge) {
            return defaultAllocAligned(size, alignment, commit, allowLarge);
        }

        @Override
        public int free(long address, long size) {
            return 0;
        }
    }
}
