package dev.nalloc.spi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ForwardingOsPrimitivesTest {

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;

    private static final class Plain extends ForwardingOsPrimitives {
        Plain(OsPrimitives os) {
            super(os);
        }
    }

    @Test
    void forwardsEveryCallToTheDelegate() {
        FakeOsPrimitives os = new FakeOsPrimitives(4 * KIB, true);
        OsPrimitives f = new Plain(os);
        assertEquals(os.name(), f.name());
        assertEquals(os.priority(), f.priority());
        assertEquals(os.support(), f.support());
        assertEquals(os.memoryConfig(), f.memoryConfig());
        OsPrimitives.Allocation a = f.alloc(0, MIB, 0, false, false);
        assertEquals(0, a.error());
        assertEquals(os.commit(a.address(), 64 * KIB), f.commit(a.address(), 64 * KIB));
        assertEquals(0, f.decommit(a.address(), 64 * KIB).error());
        assertEquals(0, f.reset(a.address(), 64 * KIB));
        assertEquals(0, f.reuse(a.address(), 64 * KIB));
        assertEquals(0, f.protect(a.address(), 64 * KIB, true));
        assertEquals(0, f.discard(a.address(), MIB));
        assertEquals(0, f.free(a.address(), MIB));
        assertEquals(0, os.reservedBytes());
        assertEquals(os.numaNodeCount(), f.numaNodeCount());
        assertEquals(os.describeError(12), f.describeError(12));
    }

    @Test
    void discardUsesTheDelegatesOwnVersion() {
        FakeOsPrimitives os = new FakeOsPrimitives(4 * KIB, true);
        OsPrimitives ownDiscard = new ForwardingOsPrimitives(os) {
            @Override
            public int discard(long address, long size) {
                return 4242; // not the default (a reset)
            }
        };
        assertEquals(4242, new Plain(ownDiscard).discard(0x10000, 64 * KIB));
    }

    @Test
    void allocAlignedUsesTheDelegatesOwnVersion() {
        FakeOsPrimitives os = new FakeOsPrimitives(4 * KIB, true);
        int[] alignedCalls = {0};
        OsPrimitives ownAligned = new ForwardingOsPrimitives(os) {
            @Override
            public Allocation allocAligned(long size, long alignment, boolean commit, boolean large) {
                alignedCalls[0]++;
                return super.allocAligned(size, alignment, commit, large);
            }
        };
        OsPrimitives f = new Plain(ownAligned);
        OsPrimitives.Allocation a = f.allocAligned(MIB, 4 * MIB, false, false);
        assertEquals(0, a.address() & (4 * MIB - 1));
        assertEquals(1, alignedCalls[0], "the delegate's allocAligned ran");
        assertEquals(0, f.free(a.address(), a.size()));
    }

    @Test
    void defaultAllocAlignedRunsOnTheSubclassesOwnAlloc() {
        FakeOsPrimitives os = new FakeOsPrimitives(4 * KIB, true);
        int[] allocs = {0};
        OsPrimitives counting = new ForwardingOsPrimitives(os) {
            @Override
            public Allocation alloc(long hint, long size, long align, boolean commit, boolean large) {
                allocs[0]++;
                return super.alloc(hint, size, align, commit, large);
            }

            @Override
            public Allocation allocAligned(long size, long alignment, boolean commit, boolean large) {
                return defaultAllocAligned(size, alignment, commit, large);
            }
        };
        OsPrimitives.Allocation a = counting.allocAligned(MIB, 4 * MIB, false, false);
        assertEquals(0, a.address() & (4 * MIB - 1));
        assertEquals(true, allocs[0] >= 1, "the subclass's alloc was used");
        counting.free(a.address(), a.size());
    }

    @Test
    void aNullDelegateIsRefused() {
        assertThrows(NullPointerException.class, () -> new Plain(null));
    }
}
