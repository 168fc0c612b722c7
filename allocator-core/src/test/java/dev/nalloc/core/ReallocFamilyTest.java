package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorMisuseException;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Mode;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The realloc and aligned families (mimalloc's {@code mi_rezalloc}, {@code mi_recalloc},
 * {@code mi_reallocn}, {@code mi_*_aligned_at}…) on the {@link Allocator} and on a {@link Heap}, in
 * every mode: contents kept, what is zeroed, alignment at offsets kept across re-allocation,
 * overflow, zero sizes, shrinking, and the exact errors.
 */
class ReallocFamilyTest {

    /** The family as an {@link Allocator} or one of its {@link Heap}s offers it. */
    interface Family {
        long malloc(long n);

        long zalloc(long n);

        long realloc(long p, long n);

        long reallocf(long p, long n);

        long reallocn(long p, long count, long size);

        long rezalloc(long p, long n);

        long recalloc(long p, long count, long size);

        long expand(long p, long n);

        long mallocAlignedAt(long n, long alignment, long offset);

        long zallocAligned(long n, long alignment);

        long zallocAlignedAt(long n, long alignment, long offset);

        long callocAligned(long count, long size, long alignment);

        long callocAlignedAt(long count, long size, long alignment, long offset);

        long reallocAligned(long p, long n, long alignment);

        long reallocAlignedAt(long p, long n, long alignment, long offset);

        long rezallocAligned(long p, long n, long alignment);

        long rezallocAlignedAt(long p, long n, long alignment, long offset);

        long recallocAligned(long p, long count, long size, long alignment);

        long recallocAlignedAt(long p, long count, long size, long alignment, long offset);

        /** True when a block made by this family lies where it should (the heap's own pages for a heap). */
        boolean owns(long p);
    }

    static Family of(Allocator a) {
        return new Family() {
            public long malloc(long n) { return a.malloc(n); }
            public long zalloc(long n) { return a.zalloc(n); }
            public long realloc(long p, long n) { return a.realloc(p, n); }
            public long reallocf(long p, long n) { return a.reallocf(p, n); }
            public long reallocn(long p, long c, long s) { return a.reallocn(p, c, s); }
            public long rezalloc(long p, long n) { return a.rezalloc(p, n); }
            public long recalloc(long p, long c, long s) { return a.recalloc(p, c, s); }
            public long expand(long p, long n) { return a.expand(p, n); }
            public long mallocAlignedAt(long n, long al, long o) { return a.mallocAlignedAt(n, al, o); }
            public long zallocAligned(long n, long al) { return a.zallocAligned(n, al); }
            public long zallocAlignedAt(long n, long al, long o) { return a.zallocAlignedAt(n, al, o); }
            public long callocAligned(long c, long s, long al) { return a.callocAligned(c, s, al); }
            public long callocAlignedAt(long c, long s, long al, long o) { return a.callocAlignedAt(c, s, al, o); }
            public long reallocAligned(long p, long n, long al) { return a.reallocAligned(p, n, al); }
            public long reallocAlignedAt(long p, long n, long al, long o) { return a.reallocAlignedAt(p, n, al, o); }
            public long rezallocAligned(long p, long n, long al) { return a.rezallocAligned(p, n, al); }
            public long rezallocAlignedAt(long p, long n, long al, long o) { return a.rezallocAlignedAt(p, n, al, o); }
            public long recallocAligned(long p, long c, long s, long al) { return a.recallocAligned(p, c, s, al); }
            public long recallocAlignedAt(long p, long c, long s, long al, long o) { return a.recallocAlignedAt(p, c, s, al, o); }
            public boolean owns(long p) { return a.isInHeapRegion(p); }
        };
    }

    static Family of(Heap h) {
        return new Family() {
            public long malloc(long n) { return h.malloc(n); }
            public long zalloc(long n) { return h.zalloc(n); }
            public long realloc(long p, long n) { return h.realloc(p, n); }
            public long reallocf(long p, long n) { return h.reallocf(p, n); }
            public long reallocn(long p, long c, long s) { return h.reallocn(p, c, s); }
            public long rezalloc(long p, long n) { return h.rezalloc(p, n); }
            public long recalloc(long p, long c, long s) { return h.recalloc(p, c, s); }
            public long expand(long p, long n) { return h.expand(p, n); }
            public long mallocAlignedAt(long n, long al, long o) { return h.mallocAlignedAt(n, al, o); }
            public long zallocAligned(long n, long al) { return h.zallocAligned(n, al); }
            public long zallocAlignedAt(long n, long al, long o) { return h.zallocAlignedAt(n, al, o); }
            public long callocAligned(long c, long s, long al) { return h.callocAligned(c, s, al); }
            public long callocAlignedAt(long c, long s, long al, long o) { return h.callocAlignedAt(c, s, al, o); }
            public long reallocAligned(long p, long n, long al) { return h.reallocAligned(p, n, al); }
            public long reallocAlignedAt(long p, long n, long al, long o) { return h.reallocAlignedAt(p, n, al, o); }
            public long rezallocAligned(long p, long n, long al) { return h.rezallocAligned(p, n, al); }
            public long rezallocAlignedAt(long p, long n, long al, long o) { return h.rezallocAlignedAt(p, n, al, o); }
            public long recallocAligned(long p, long c, long s, long al) { return h.recallocAligned(p, c, s, al); }
            public long recallocAlignedAt(long p, long c, long s, long al, long o) { return h.recallocAlignedAt(p, c, s, al, o); }
            public boolean owns(long p) { return h.contains(p); }
        };
    }

    /** Every mode, through the allocator and through a first-class heap. */
    static List<Arguments> targets() {
        List<Arguments> list = new ArrayList<>();
        for (Mode m : Mode.values()) {
            list.add(Arguments.of(m, false));
            list.add(Arguments.of(m, true));
        }
        return list;
    }

    /** Runs {@code test} on a fresh instance of {@code mode}, through its allocator or a new heap. */
    private static void run(Mode mode, boolean heap, ErrorHandler handler, FamilyTest test) {
        try (Allocator a = TestAllocators.builder().mode(mode).errorHandler(handler).build()) {
            Heap h = heap ? a.newHeap() : null;
            test.run(a, heap ? of(h) : of(a));
            if (h != null) {
                h.destroy();
            }
        }
    }

    private static void run(Mode mode, boolean heap, FamilyTest test) {
        run(mode, heap, ErrorHandler.throwing(), test);
    }

    @FunctionalInterface
    interface FamilyTest {
        void run(Allocator a, Family f);
    }

    /** True when {@code size} bytes at {@code address} read as zero (word by word, then bytes). */
    static boolean isZero(long address, long size) {
        long i = 0;
        for (; i + 8 <= size; i += 8) {
            if (Mem.load(address + i) != 0) {
                return false;
            }
        }
        for (; i < size; i++) {
            if (Mem.loadByte(address + i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Leaves a freed block of each size with every byte set, so that the next ones of those sizes are not fresh zero memory. */
    static void dirty(Allocator a, Family f, long... sizes) {
        for (long n : sizes) {
            long p = f.malloc(n);
            long usable = a.usableSize(p);
            long i = 0;
            for (; i + 8 <= usable; i += 8) {
                Mem.store(p + i, 0xA5A5A5A5A5A5A5A5L);
            }
            for (; i < usable; i++) {
                Mem.storeByte(p + i, (byte) 0xA5);
            }
            a.free(p);
        }
    }

    // ================================================================== rezalloc and recalloc

    @ParameterizedTest(name = "{0} heap={1}")
    @MethodSource("targets")
    void growingRezallocKeepsTheContentsAndEverythingPastThemReadsZero(Mode mode, boolean heap) {
        run(mode, heap, (a, f) -> {
            // Small, medium, large, huge, and back: the program writes exactly the size it asked for.
            long[] sizes = {24, 100, 1000, 1016, 3000, 70_000, 1 << 20, 20 << 20, 24 << 20};
            dirty(a, f, 100, 1000, 3000, 70_000, 1 << 20);
            long p = f.zalloc(sizes[0]);
            TestAllocators.fill(p, sizes[0], 1);
            long prev = sizes[0];
            for (int i = 1; i < sizes.length; i++) {
                long n = sizes[i];
                long q = f.rezalloc(p, n);
                assertNotEquals(0, q);
                assertTrue(f.owns(q));
                assertTrue(TestAllocators.check(q, prev, i), "contents kept going " + prev + " -> " + n);
                assertTrue(isZero(q + prev, a.usableSize(q) - prev), "zero past the contents going " + prev + " -> " + n);
                TestAllocators.fill(q, n, i + 1);
                p = q;
                prev = n;
            }
            a.free(p);
            assertEquals(0, a.stats().allocationCount());
        });
    }

    @ParameterizedTest(name = "{0} heap={1}")
    @MethodSource("targets")
    void rezallocOfAnyBlockZeroesFromItsOldUsableSize(Mode mode, boolean heap) {
        run(mode, heap, (a, f) -> {
            dirty(a, f, 100, 10_000);
            long p = f.malloc(100); // not zeroed: what lies between 100 and its usable size is unknown
            TestAllocators.fill(p, 100, 7);
            long usable = a.usableSize(p);
            long q = f.rezalloc(p, 10_000);
            assertNotEquals(p, q, "10000 bytes cannot fit a block of 100");
            assertTrue(TestAllocators.check(q, 100, 7));
            assertTrue(isZero(q + usable, a.usableSize(q) - usable));
            // Shrinking keeps the prefix; rezalloc never zeroes what the block keeps.
            long r = f.rezalloc(q, 60);
            assertTrue(TestAllocators.check(r, 60, 7));
            a.free(r);
        });
    }

    @ParameterizedTest(name = "{0} heap={1}")
    @MethodSource("targets")
    void recallocAndReallocnMultiplyAndOverflowLeavesTheBlockAlone(Mode mode, boolean heap) {
        run(mode, heap, (a, f) -> {
            dirty(a, f, 120, 1200, 4000);
            long p = f.recalloc(0, 10, 12); // 0: zero-filled allocation
            assertTrue(p != 0 && isZero(p, 120) && a.usableSize(p) >= 120);
            TestAllocators.fill(p, 120, 3);
            long q = f.recalloc(p, 100, 12);
            assertTrue(TestAllocators.check(q, 120, 3) && isZero(q + 120, 1080));
            long r = f.reallocn(q, 500, 8);
            assertTrue(a.usableSize(r) >= 4000 && TestAllocators.check(r, 120, 3));
            long count = a.stats().allocationCount();
            for (long[] overflow : new long[][]{{Long.MAX_VALUE, 2}, {1L << 32, 1L << 32}, {3, Long.MAX_VALUE / 2}}) {
                assertEquals(0, f.reallocn(r, overflow[0], overflow[1]));
                assertEquals(0, f.recalloc(r, overflow[0], overflow[1]));
                assertEquals(0, f.recallocAligned(r, overflow[0], overflow[1], 64));
                assertEquals(0, f.recallocAlignedAt(r, overflow[0], overflow[1], 64, 8));
                assertEquals(0, f.callocAligned(overflow[0], overflow[1], 64));
                assertEquals(0, f.callocAlignedAt(overflow[0], overflow[1], 64, 8));
            }
            assertEquals(count, a.stats().allocationCount(), "nothing allocated, nothing freed");
            assertTrue(TestAllocators.check(r, 120, 3), "the block is untouched");
            long z = f.reallocn(r, 0, 8); // a product of 0 is a realloc to 0: a fresh block, the old one freed
            assertTrue(z != 0 && z != r);
            assertEquals(count, a.stats().allocationCount());
            a.free(z);
        });
    }

    @ParameterizedTest(name = "{0} heap={1}")
    @MethodSource("targets")
    void reallocToZeroGivesAFreshUniqueBlockAndFreesTheOldOne(Mode mode, boolean heap) {
        run(mode, heap, (a, f) -> {
            long p = f.malloc(100);
            long count = a.stats().allocationCount();
            long q = f.realloc(p, 0);
            assertNotEquals(0, q);
            assertNotEquals(p, q, "mimalloc: a realloc to 0 is a malloc(0) and a free");
            assertEquals(count, a.stats().allocationCount());
            long r = f.rezalloc(q, 0);
            assertNotEquals(0, r);
            long s = f.reallocAligned(r, 0, 64);
            assertNotEquals(0, s);
            assertEquals(0, s % 64);
            assertEquals(count, a.stats().allocationCount());
            a.free(s);
        });
    }

    @ParameterizedTest(name = "{0} heap={1}")
    @MethodSource("targets")
    void shrinkingStaysInPlaceUpToHalfAndKeepsThePrefix(Mode mode, boolean heap) {
        run(mode, heap, (a, f) -> {
            long p = f.malloc(4000);
            TestAllocators.fill(p, 4000, 5);
            long usable = a.usableSize(p);
            long q = f.realloc(p, usable - usable / 4);
            assertEquals(p, q, "wastes a quarter: in place");
            assertTrue(TestAllocators.check(q, usable - usable / 4, 5));
            long r = f.realloc(q, 100);
            assertNotEquals(q, r, "wastes more than half: moved");
            assertTrue(TestAllocators.check(r, 100, 5));
            a.free(r);
        });
    }

    // ================================================================== alignment

    @ParameterizedTest(name = "{0} heap={1}")
    @MethodSource("targets")
    void alignmentAtAnOffsetIsKeptAcrossEveryReallocation(Mode mode, boolean heap) {
        run(mode, heap, (a, f) -> {
            for (long alignment : new long[]{16, 64, 4096, 1 << 20}) {
                for (long offset : new long[]{0, 8, 24, 1000, alignment + 16}) {
                    String at = "alignment " + alignment + " offset " + offset;
                    long p = f.zallocAlignedAt(100, alignment, offset);
                    assertEquals(0, (p + offset) % alignment, at);
                    assertTrue(isZero(p, 100), at);
                    TestAllocators.fill(p, 100, alignment + offset);
                    long q = f.reallocAlignedAt(p, 5000, alignment, offset);
                    assertEquals(0, (q + offset) % alignment, at);
                    assertTrue(TestAllocators.check(q, 100, alignment + offset), at);
                    if (alignment <= 64) { // larger ones over-allocate: a block much larger than 5000 bytes
                        assertEquals(q, f.reallocAlignedAt(q, 4000, alignment, offset), "fits, aligned, wastes little: in place, " + at);
                    }
                    long r = f.rezallocAlignedAt(q, 20_000, alignment, offset);
                    assertEquals(0, (r + offset) % alignment, at);
                    assertTrue(TestAllocators.check(r, 100, alignment + offset), at);
                    long s = f.recallocAlignedAt(r, 100, 300, alignment, offset);
                    assertEquals(0, (s + offset) % alignment, at);
                    assertTrue(TestAllocators.check(s, 100, alignment + offset), at);
                    long c = f.callocAlignedAt(10, 30, alignment, offset);
                    assertTrue((c + offset) % alignment == 0 && isZero(c, 300), at);
                    long m = f.mallocAlignedAt(0, alignment, offset);
                    assertTrue(m != 0 && (m + offset) % alignment == 0, at);
                    a.free(s);
                    a.free(c);
                    a.free(m);
                }
                long p = f.zallocAligned(64, alignment);
                long q = f.rezallocAligned(p, 300_000, alignment);
                assertTrue(q % alignment == 0 && isZero(q, 300_000));
                long r = f.recallocAligned(q, 2, 150_001, alignment);
                assertTrue(r % alignment == 0 && isZero(r, 300_002));
                long c = f.callocAligned(7, 9, alignment);
                assertTrue(c % alignment == 0 && isZero(c, 63));
                long s = f.reallocAligned(r, 10, alignment);
                assertEquals(0, s % alignment);
                a.free(s);
                a.free(c);
            }
            assertEquals(0, a.stats().allocationCount());
        });
    }

    @ParameterizedTest(name = "{0} heap={1}")
    @MethodSource("targets")
    void anAlignedBlockMovesWhenItLacksTheNewAlignment(Mode mode, boolean heap) {
        run(mode, heap, (a, f) -> {
            long p = f.mallocAlignedAt(1000, 64, 8); // (p + 8) % 64 == 0, so p itself is not 64-aligned
            TestAllocators.fill(p, 1000, 4);
            long q = f.reallocAligned(p, 1000, 64);
            assertNotEquals(p, q);
            assertEquals(0, q % 64);
            assertTrue(TestAllocators.check(q, 1000, 4));
            long r = f.realloc(q, 900); // plain realloc of an aligned block: in place when it fits
            assertEquals(q, r);
            a.free(r);
        });
    }

    // ================================================================== reallocf, expand, errors

    @ParameterizedTest(name = "{0} heap={1}")
    @MethodSource("targets")
    void reallocfFreesTheBlockOnlyWhenMemoryIsLacking(Mode mode, boolean heap) {
        ErrorHandler.Capturing errors = ErrorHandler.capturing();
        run(mode, heap, errors, (a, f) -> {
            long p = f.malloc(100);
            long count = a.stats().allocationCount();
            assertEquals(0, f.reallocf(p, Long.MAX_VALUE));
            assertEquals(count - 1, a.stats().allocationCount(), "freed");
            assertEquals(ErrorKind.OUT_OF_MEMORY, errors.last().kind());
            errors.clear();
            long q = f.malloc(100);
            long outside = q ^ (1L << 40); // no allocator memory there
            assertEquals(0, f.reallocf(outside, 10));
            assertEquals(1, errors.reports().size(), "reported once: " + errors.reports());
            assertEquals(ErrorKind.INVALID_FREE, errors.last().kind());
            assertEquals(count, a.stats().allocationCount());
            long r = f.reallocf(q, 5000);
            assertTrue(r != 0 && f.owns(r));
            a.free(r);
        });
    }

    @ParameterizedTest(name = "{0} heap={1}")
    @MethodSource("targets")
    void expandIsInPlaceOnly(Mode mode, boolean heap) {
        run(mode, heap, (a, f) -> {
            assertEquals(0, f.expand(0, 10));
            long p = f.malloc(100);
            long usable = a.usableSize(p);
            assertEquals(p, f.expand(p, usable));
            assertEquals(p, f.expand(p, 1));
            assertEquals(0, f.expand(p, usable + 1));
            assertEquals(usable, a.usableSize(p), "expand never changes the block");
            a.free(p);
        });
    }

    @ParameterizedTest(name = "{0} heap={1}")
    @MethodSource("targets")
    void badArgumentsThrowAndAllocateNothing(Mode mode, boolean heap) {
        run(mode, heap, (a, f) -> {
            long p = f.malloc(64);
            long count = a.stats().allocationCount();
            List<Executable> bad = List.of(
                    () -> f.realloc(p, -1), () -> f.reallocf(p, -1), () -> f.rezalloc(p, -1), () -> f.expand(p, -1),
                    () -> f.reallocn(p, -1, 8), () -> f.reallocn(p, 8, -1), () -> f.recalloc(p, -1, 8), () -> f.recalloc(0, 8, -1),
                    () -> f.reallocAligned(p, 8, 3), () -> f.reallocAligned(p, -8, 8), () -> f.reallocAlignedAt(p, 8, 8, -1),
                    () -> f.reallocAlignedAt(0, 8, 0, 0), () -> f.rezallocAligned(p, 8, 24), () -> f.rezallocAlignedAt(p, 8, 8, -8),
                    () -> f.recallocAligned(p, 1, 8, 0), () -> f.recallocAlignedAt(p, 1, 8, 8, -1), () -> f.recallocAligned(p, -1, 8, 8),
                    () -> f.zallocAlignedAt(-1, 8, 0), () -> f.zallocAlignedAt(8, 8, -1), () -> f.zallocAlignedAt(8, Long.MIN_VALUE, 0),
                    () -> f.callocAligned(-1, 8, 8), () -> f.callocAligned(1, 8, 100), () -> f.callocAlignedAt(1, 8, 8, -1),
                    () -> f.callocAligned(Long.MAX_VALUE, 2, 3)); // a bad alignment is refused before the product
            for (int i = 0; i < bad.size(); i++) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad.get(i), "case " + i);
                assertTrue(e.getMessage().startsWith("nalloc: "), e.getMessage());
            }
            assertEquals(count, a.stats().allocationCount());
            a.free(p);
        });
    }

    @ParameterizedTest(name = "{0} heap={1}")
    @MethodSource("targets")
    void misuseIsReportedWithItsKindAndTheBlockIsLeftAlone(Mode mode, boolean heap) {
        run(mode, heap, ErrorHandler.defaultHandler(0), (a, f) -> {
            long p = f.malloc(100);
            TestAllocators.fill(p, 100, 9);
            long outside = p ^ (1L << 40);
            for (Executable misuse : List.<Executable>of(() -> f.realloc(outside, 8), () -> f.rezalloc(outside, 8),
                    () -> f.reallocAlignedAt(outside, 8, 64, 8), () -> f.recalloc(outside, 2, 8), () -> f.expand(outside, 8))) {
                assertEquals(ErrorKind.INVALID_FREE, assertThrows(AllocatorMisuseException.class, misuse).kind());
            }
            AllocatorMisuseException inside = assertThrows(AllocatorMisuseException.class, () -> f.realloc(p + 8, 200));
            assertEquals(ErrorKind.UNALIGNED_FREE, inside.kind());
            assertTrue(TestAllocators.check(p, 100, 9));
            long q = f.realloc(p, 5000);
            if (mode != Mode.FAST) { // the checking modes know the old block is free now
                assertEquals(ErrorKind.DOUBLE_FREE, assertThrows(AllocatorMisuseException.class, () -> f.rezalloc(p, 8)).kind());
            }
            a.free(q);
        });
    }

    // ================================================================== heaps and closed instances

    @ParameterizedTest
    @EnumSource(Mode.class)
    void heapFormsAllocateInTheHeapOnItsThreadOnly(Mode mode) throws Exception {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            Heap h = a.newHeap();
            long p = a.malloc(100); // a block of the thread's default heap
            long q = h.rezalloc(p, 50_000);
            assertTrue(h.contains(q), "the moved block is in the heap");
            TestThreads.runOnNewThread(() ->
                    assertThrows(WrongThreadException.class, () -> h.reallocAlignedAt(q, 10, 64, 8)));
            long r = h.callocAlignedAt(3, 5, 256, 16);
            h.destroy();
            assertThrows(IllegalStateException.class, () -> h.realloc(0, 8));
            assertThrows(IllegalStateException.class, () -> h.recallocAligned(0, 1, 8, 8));
            assertThrows(IllegalStateException.class, () -> h.expand(0, 8));
            assertThrows(IllegalStateException.class, () -> h.zallocAlignedAt(8, 8, 0));
            assertEquals(0, a.stats().allocationCount(), "destroy freed " + Long.toHexString(q) + " and " + Long.toHexString(r));
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void afterCloseEveryFormThrowsIllegalState(Mode mode) {
        Allocator a = TestAllocators.builder().mode(mode).build();
        long p = a.malloc(10);
        a.close();
        List<Executable> calls = List.of(() -> a.rezalloc(p, 8), () -> a.recalloc(p, 1, 8), () -> a.reallocn(p, 1, 8),
                () -> a.reallocf(p, 8), () -> a.expand(p, 8), () -> a.reallocAlignedAt(p, 8, 8, 0), () -> a.rezallocAligned(p, 8, 8),
                () -> a.rezallocAlignedAt(p, 8, 8, 0), () -> a.recallocAligned(p, 1, 8, 8), () -> a.recallocAlignedAt(p, 1, 8, 8, 0),
                () -> a.zallocAlignedAt(8, 8, 0), () -> a.callocAligned(1, 8, 8), () -> a.callocAlignedAt(1, 8, 8, 0),
                () -> a.recalloc(p, Long.MAX_VALUE, 2), () -> a.callocAligned(Long.MAX_VALUE, 2, 8), () -> a.realloc(0, 8));
        for (Executable call : calls) {
            assertThrows(IllegalStateException.class, call);
        }
    }

    /** CHECKED grows a block in place up to its padding: the zeroing forms zero what it gains (it held the canary). */
    @Test
    void checkedGrowsInPlaceAndTheZeroingFormsZeroWhatTheBlockGains() {
        try (Allocator a = TestAllocators.builder().mode(Mode.CHECKED).build()) {
            long p = a.zalloc(600); // a block of 640 bytes: room for 632 before the 8 bytes of padding
            TestAllocators.fill(p, 600, 2);
            assertEquals(p, a.rezalloc(p, 632));
            assertEquals(632, a.usableSize(p));
            assertTrue(TestAllocators.check(p, 600, 2) && isZero(p + 600, 32));
            TestAllocators.fill(p, 632, 3);
            assertEquals(p, a.realloc(p, 400));
            assertEquals(p, a.rezalloc(p, 632));
            assertTrue(TestAllocators.check(p, 400, 3) && isZero(p + 400, 232), "the bytes a shrink gave up are zero again");
            Mem.storeByte(p + 632, (byte) 1); // past the new size: the canary moved there
            AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class, () -> a.free(p));
            assertEquals(ErrorKind.BUFFER_OVERFLOW, e.kind());
        }
    }
}
