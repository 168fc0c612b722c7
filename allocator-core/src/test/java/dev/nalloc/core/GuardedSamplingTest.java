package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorMisuseException;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.core.check.BlockShadow;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.SegmentMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guarded sampling ({@code guarded_sample_rate}, {@code guarded_min}, {@code guarded_max},
 * {@code guarded_precise}, {@code guarded_sample_seed}): which blocks get a guard page, where it
 * is, and that it is lifted again. That a write into the guard faults is checked in a child JVM
 * ({@link ModeCrashTest}).
 */
class GuardedSamplingTest {

    private static Allocator build(Mode mode, long rate, boolean precise, long seed) {
        return TestAllocators.builder().mode(mode).option(Option.GUARDED_SAMPLE_RATE, rate)
                .option(Option.GUARDED_PRECISE, precise ? 1 : 0).option(Option.GUARDED_SAMPLE_SEED, seed).build();
    }

    private static boolean guarded(Allocator a, long p) {
        return ((ModeAllocator) a).isGuarded(p);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void preciseGuardStartsRightAfterTheRequestedBytes(Mode mode) {
        try (Allocator a = build(mode, 1, true, 0)) {
            for (long n : new long[]{1, 7, 100, 4096, 5000, 70_000, 3 << 20, 20 << 20}) {
                long p = a.malloc(n);
                assertEquals(0, (p + n) % 4096, "size " + n);
                assertTrue(guarded(a, p));
                TestAllocators.fill(p, n, n);
                assertEquals(mode == Mode.CHECKED ? n : n, a.usableSize(p));
                a.free(p);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void roundedGuardKeepsBlocksSixteenByteAligned(Mode mode) {
        try (Allocator a = build(mode, 1, false, 0)) {
            for (long n : new long[]{1, 100, 4095, 5000}) {
                long p = a.malloc(n);
                long span = (n + 15) & -16L;
                assertEquals(0, p % 16);
                assertEquals(0, (p + span) % 4096, "size " + n);
                assertEquals(mode == Mode.CHECKED ? n : span, a.usableSize(p));
                long z = a.zalloc(n);
                assertTrue(TestAllocators.isZero(z, n));
                a.free(z);
                a.free(p);
            }
            long q = a.mallocAligned(64, 16);
            assertEquals(0, q % 16);
            a.free(q);
        }
    }

    @Test
    void checkedFindsOverflowsIntoTheRoundingSlackAtFree() {
        try (Allocator a = build(Mode.CHECKED, 1, false, 0)) {
            long p = a.malloc(100);
            Mem.storeByte(p + 100, (byte) ~Mem.loadByte(p + 100)); // any value but the canary's
            AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class, () -> a.free(p));
            assertEquals(ErrorKind.BUFFER_OVERFLOW, e.kind());
            assertTrue(e.getMessage().endsWith("first bad byte at offset 100 (0x" + Long.toHexString(p + 100) + ")"), e.getMessage());
        }
    }

    @Test
    void onlySizesBetweenMinAndMaxAreSampled() {
        try (Allocator a = TestAllocators.builder().mode(Mode.SECURE).option(Option.GUARDED_SAMPLE_RATE, 1)
                .option(Option.GUARDED_MIN, 100).option(Option.GUARDED_MAX, 1000).build()) {
            for (long n : new long[]{50, 99, 100, 500, 1000, 1001, 5000}) {
                long p = a.malloc(n);
                assertEquals(n >= 100 && n <= 1000, guarded(a, p), "size " + n);
                a.free(p);
            }
        }
    }

    /** Which of the first {@code n} allocations were sampled. */
    private static List<Integer> sampled(long rate, long seed, int n) {
        try (Allocator a = build(Mode.SECURE, rate, false, seed)) {
            List<Integer> out = new ArrayList<>();
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long p = a.malloc(64);
                blocks.add(p);
                if (guarded(a, p)) {
                    out.add(i);
                }
            }
            blocks.forEach(a::free);
            return out;
        }
    }

    @Test
    void oneInRateEligibleBlocksIsGuardedFromASeededStart() {
        int n = 4096;
        long rate = 8;
        List<Integer> s1 = sampled(rate, 1, n);
        // The probabilistic side of guarded sampling: an overflow off the end of a block faults
        // exactly when the block was sampled, so the detection rate is the sampled fraction.
        System.out.printf("guarded sampling, rate %d: %d of %d blocks guarded (detection rate of an overflow %.2f %%)%n",
                rate, s1.size(), n, 100.0 * s1.size() / n);
        assertEquals(n / rate, s1.size(), "every 8th eligible block");
        for (int i = 1; i < s1.size(); i++) {
            assertEquals(rate, s1.get(i) - s1.get(i - 1));
        }
        assertEquals(s1, sampled(rate, 1, n), "the same seed samples the same blocks");
        boolean differs = false;
        for (long seed = 2; seed < 20 && !differs; seed++) {
            differs = !sampled(rate, seed, 64).equals(s1.subList(0, 8));
        }
        assertTrue(differs, "the seed moves the start (19 seeds agreeing has probability 8^-18)");
    }

    @Test
    void freeLiftsTheGuardAndTheMemoryServesAgain() {
        try (Allocator a = build(Mode.SECURE, 1, true, 0)) {
            long p = a.malloc(300);
            long guard = p + 300;
            a.free(p);
            Mem.storeByte(guard, (byte) ~Mem.loadByte(guard)); // would fault if the guard were still there (inside the freed block)
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                long q = a.malloc(300);
                assertNotEquals(0, q);
                TestAllocators.fill(q, 300, i);
                blocks.add(q);
            }
            for (int i = 0; i < blocks.size(); i++) {
                assertTrue(TestAllocators.check(blocks.get(i), 300, i));
                a.free(blocks.get(i));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void guardedBlocksReallocAndDoubleFree(Mode mode) {
        try (Allocator a = build(mode, 1, true, 0)) {
            long p = a.malloc(200);
            TestAllocators.fill(p, 200, 4);
            long q = a.realloc(p, 150);
            assertNotEquals(p, q, "a guarded block is never resized in place");
            assertTrue(TestAllocators.check(q, 150, 4));
            assertEquals(0, (q + 150) % 4096);
            assertEquals(q, a.expand(q, 150));
            assertEquals(0, a.expand(q, 151));
            a.free(q);
            AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class, () -> a.free(q));
            assertEquals(ErrorKind.DOUBLE_FREE, e.kind());
            assertFalse(a.stats().allocationCount() != 0);
        }
    }
}
