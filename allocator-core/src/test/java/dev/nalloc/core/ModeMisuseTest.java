package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorMisuseException;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Mode;
import dev.nalloc.core.check.BlockShadow;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.core.heap.HeapProbes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Misuse in CHECKED and SECURE mode, for blocks of every kind (small, medium, large, huge): double
 * frees (immediate, interleaved, remote), interior frees, frees of never-allocated slots, and in
 * CHECKED buffer overflows and fill patterns. Each detection has its exact kind and message prefix,
 * and the instance stays consistent and usable afterwards. Where SECURE knows less than CHECKED
 * (it keeps no per-block state: no requested sizes, no record of which free blocks were ever
 * handed out) the expected messages say so.
 */
class ModeMisuseTest {

    /** A representative size of each kind of block. */
    enum Kind {
        SMALL(100), MEDIUM(20_000), LARGE(1_000_000), HUGE(40L << 20);

        final long size;

        Kind(long size) {
            this.size = size;
        }
    }

    static Stream<Arguments> modesAndKinds() {
        return Stream.of(Mode.CHECKED, Mode.SECURE)
                .flatMap(m -> Stream.of(Kind.values()).map(k -> Arguments.of(m, k)));
    }

    static Stream<Arguments> kinds() {
        return Stream.of(Kind.values()).map(Arguments::of);
    }

    static Allocator build(Mode mode) {
        return TestAllocators.builder().mode(mode).build();
    }

    static Allocator build(Mode mode, ErrorHandler handler) {
        return TestAllocators.builder().mode(mode).errorHandler(handler).build();
    }

    static AllocatorMisuseException misuse(ErrorKind kind, org.junit.jupiter.api.function.Executable call) {
        AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class, call);
        assertEquals(kind, e.kind(), e::getMessage);
        assertTrue(e.getMessage().startsWith(kind.prefix() + ": "), e::getMessage);
        return e;
    }

    static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    /**
     * The message of a second free of {@code p}: CHECKED knows; SECURE finds a small or medium block
     * (and a large one whose page is kept) on a free list, and a huge or large block whose page
     * went away among its recent frees.
     */
    static void assertDoubleFreeMessage(Mode mode, long p, String message) {
        String freed = "nalloc: double free: the block at " + hex(p) + " was freed already (free)";
        String onList = "nalloc: double free: the block at " + hex(p) + " is on a free list: freed already, or never handed out (free)";
        assertTrue(message.equals(freed) || mode == Mode.SECURE && message.equals(onList), message);
    }

    /** The allocator is still sound: the default heap's lists add up, and it allocates and frees. */
    static void assertUsable(Allocator a, long size) {
        HeapProbes.checkInvariants(((ModeAllocator) a).defaultLocalHeap());
        long p = a.malloc(size);
        assertNotEquals(0, p);
        TestAllocators.fill(p, Math.min(size, 4096), 1);
        a.free(p);
    }

    @ParameterizedTest
    @MethodSource("modesAndKinds")
    void immediateDoubleFree(Mode mode, Kind kind) {
        try (Allocator a = build(mode)) {
            long p = a.malloc(kind.size);
            a.free(p);
            AllocatorMisuseException e = misuse(ErrorKind.DOUBLE_FREE, () -> a.free(p));
            assertEquals(p, e.address());
            assertDoubleFreeMessage(mode, p, e.getMessage());
            assertEquals(0, a.stats().allocationCount());
            assertUsable(a, kind.size);
        }
    }

    @ParameterizedTest
    @MethodSource("modesAndKinds")
    void interleavedDoubleFreeNeverHandsABlockOutTwice(Mode mode, Kind kind) {
        try (Allocator a = build(mode)) {
            long p = a.malloc(kind.size);
            long q = a.malloc(kind.size);
            a.free(p);
            a.free(q);
            misuse(ErrorKind.DOUBLE_FREE, () -> a.free(p));
            int n = kind == Kind.HUGE ? 3 : 40;
            Set<Long> live = new HashSet<>();
            for (int i = 0; i < n; i++) {
                long r = a.malloc(kind.size);
                assertTrue(live.add(r), "a block was handed out twice");
            }
            live.forEach(a::free);
            assertEquals(0, a.stats().allocationCount());
            assertUsable(a, kind.size);
        }
    }

    @ParameterizedTest
    @MethodSource("modesAndKinds")
    void remoteDoubleFree(Mode mode, Kind kind) throws Exception {
        try (Allocator a = build(mode)) {
            long p = a.malloc(kind.size);
            TestThreads.runOnNewThread(() -> a.free(p));
            Throwable[] seen = new Throwable[1];
            TestThreads.runOnNewThread(() -> {
                try {
                    a.free(p);
                } catch (Throwable e) {
                    seen[0] = e;
                }
            });
            AllocatorMisuseException e = (AllocatorMisuseException) seen[0];
            assertEquals(ErrorKind.DOUBLE_FREE, e.kind(), e::getMessage);
            misuse(ErrorKind.DOUBLE_FREE, () -> a.free(p)); // and on the owner thread
            assertUsable(a, kind.size);
        }
    }

    @ParameterizedTest
    @MethodSource("modesAndKinds")
    void interiorFreeIsUnaligned(Mode mode, Kind kind) {
        try (Allocator a = build(mode)) {
            long p = a.malloc(kind.size);
            long size = mode == Mode.CHECKED ? kind.size : a.usableSize(p); // SECURE knows the block, not the request
            for (long off : new long[]{1, 8, kind.size / 2}) {
                AllocatorMisuseException e = misuse(ErrorKind.UNALIGNED_FREE, () -> a.free(p + off));
                assertEquals("nalloc: unaligned free: " + hex(p + off) + " is inside the block at " + hex(p) + " of "
                        + size + " bytes, not at its start (free)", e.getMessage());
            }
            misuse(ErrorKind.UNALIGNED_FREE, () -> a.realloc(p + 8, 10));
            misuse(ErrorKind.UNALIGNED_FREE, () -> a.usableSize(p + 8));
            assertEquals(1, a.stats().allocationCount(), "nothing changed");
            a.free(p);
            assertUsable(a, kind.size);
        }
    }

    @ParameterizedTest
    @MethodSource("modesAndKinds")
    void neverAllocatedSlotIsAnInvalidFree(Mode mode, Kind kind) {
        try (Allocator a = build(mode)) {
            long p = a.malloc(kind.size);
            Page page = Page.of(SegmentMap.lookup(p), p);
            if (page.reserved() > 1 && mode == Mode.CHECKED) { // a slot of the same page never handed out (small and medium pages)
                long other = page.areaStart() + (page.blockStartOf(p) == page.areaStart() ? page.reserved() - 1 : 0) * page.blockSize();
                AllocatorMisuseException e = misuse(ErrorKind.INVALID_FREE, () -> a.free(other));
                assertEquals("nalloc: invalid free: " + hex(other) + " lies in a block that was never allocated (free)",
                        e.getMessage());
            }
            if (page.reserved() > 1 && mode == Mode.SECURE) {
                // SECURE: a block never carved is invalid; one carved onto the free list but never handed out is free.
                if (page.capacity() < page.reserved()) {
                    long uncarved = page.areaStart() + (long) page.capacity() * page.blockSize();
                    AllocatorMisuseException e = misuse(ErrorKind.INVALID_FREE, () -> a.free(uncarved));
                    assertEquals("nalloc: invalid free: " + hex(uncarved) + " lies in a block that was never allocated (free)",
                            e.getMessage());
                }
                long carved = page.freeHead();
                if (carved != 0) {
                    AllocatorMisuseException e = misuse(ErrorKind.DOUBLE_FREE, () -> a.free(carved));
                    assertEquals("nalloc: double free: the block at " + hex(carved)
                            + " is on a free list: freed already, or never handed out (free)", e.getMessage());
                }
            }
            // Past the blocks of a huge or large page, or in memory never handed out: free memory.
            long outside = page.areaStart() + page.areaSize() + 16;
            misuse(ErrorKind.INVALID_FREE, () -> a.free(outside));
            misuse(ErrorKind.INVALID_FREE, () -> a.free(0x10_0000L));
            assertEquals(1, a.stats().allocationCount(), "nothing changed");
            a.free(p);
            assertUsable(a, kind.size);
        }
    }

    @ParameterizedTest
    @MethodSource("modesAndKinds")
    void capturedErrorsLeaveTheAllocatorConsistent(Mode mode, Kind kind) {
        ErrorHandler.Capturing handler = ErrorHandler.capturing();
        try (Allocator a = build(mode, handler)) {
            long p = a.malloc(kind.size);
            long q = a.malloc(kind.size);
            a.free(p + 8);
            a.free(p);
            a.free(p);
            a.free(q);
            a.free(q);
            assertEquals(java.util.List.of(ErrorKind.UNALIGNED_FREE, ErrorKind.DOUBLE_FREE, ErrorKind.DOUBLE_FREE),
                    handler.reports().stream().map(ErrorHandler.Report::kind).toList());
            assertEquals(0, a.stats().allocationCount());
            assertUsable(a, kind.size);
        }
    }

    // ------------------------------------------------------------------ CHECKED: padding, canary, fills

    @ParameterizedTest
    @MethodSource("kinds")
    void overflowByOneByteIsReportedAtFreeWithTheBlockSizeAndOffset(Kind kind) {
        try (Allocator a = build(Mode.CHECKED)) {
            long n = kind.size;
            long p = a.malloc(n);
            assertEquals(n, a.usableSize(p), "CHECKED usableSize is the requested size");
            TestAllocators.fill(p, n, 3); // every byte of the block itself is fine
            Mem.storeByte(p + n, (byte) ~Mem.loadByte(p + n)); // any value but the canary's
            AllocatorMisuseException e = misuse(ErrorKind.BUFFER_OVERFLOW, () -> a.free(p));
            assertEquals("nalloc: buffer overflow: the block at " + hex(p) + " of " + n + " bytes was written past its end: "
                    + "first bad byte at offset " + n + " (" + hex(p + n) + ")", e.getMessage());
            assertEquals(1, a.stats().allocationCount(), "the throwing handler left the block live");
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void firstBadOffsetIsBytePrecise(Kind kind) {
        ErrorHandler.Capturing handler = ErrorHandler.capturing();
        try (Allocator a = build(Mode.CHECKED, handler)) {
            long n = kind.size + 3; // not a multiple of 8: the padding starts mid-word
            long p = a.malloc(n);
            Mem.storeByte(p + n + 5, (byte) ~Mem.loadByte(p + n + 5));
            a.free(p);
            assertEquals(1, handler.reports().size());
            assertTrue(handler.last().message().endsWith("first bad byte at offset " + (n + 5) + " (" + hex(p + n + 5) + ")"),
                    handler.last().message());
            assertEquals(0, a.stats().allocationCount(), "a handler that returns lets the free go through");
            assertUsable(a, n);
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void overflowIsReportedAtRealloc(Kind kind) {
        try (Allocator a = build(Mode.CHECKED)) {
            long p = a.malloc(kind.size);
            Mem.storeByte(p + kind.size, (byte) ~Mem.loadByte(p + kind.size)); // any value but the canary's
            misuse(ErrorKind.BUFFER_OVERFLOW, () -> a.realloc(p, kind.size * 2));
            misuse(ErrorKind.BUFFER_OVERFLOW, () -> a.realloc(p, kind.size));
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void freshAndFreedFillPatterns(Kind kind) {
        try (Allocator a = build(Mode.CHECKED)) {
            long n = Math.min(kind.size, 64 * 1024);
            long p = a.malloc(kind.size);
            for (long i = 0; i < n; i++) {
                assertEquals((byte) 0xD0, Mem.loadByte(p + i), "fresh byte " + i);
            }
            long z = a.zalloc(kind.size);
            assertTrue(TestAllocators.isZero(z, n));
            a.free(z);
            if (kind != Kind.HUGE) { // a huge block's memory goes back to the OS at once
                a.free(p);
                for (long i = 8; i < n; i++) {
                    assertEquals((byte) 0xDF, Mem.loadByte(p + i), "freed byte " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("modesAndKinds")
    void alignedBlocksAreCheckedAtTheirOwnAddress(Mode mode, Kind kind) {
        try (Allocator a = build(mode)) {
            long n = kind.size;
            long p = a.mallocAligned(n, 4096);
            assertEquals(0, p % 4096);
            if (mode == Mode.CHECKED) {
                Mem.storeByte(p + n, (byte) ~Mem.loadByte(p + n)); // any value but the canary's
                misuse(ErrorKind.BUFFER_OVERFLOW, () -> a.free(p));
            }
            misuse(ErrorKind.UNALIGNED_FREE, () -> a.free(p + 16));
            long q = a.mallocAlignedAt(n, 1 << 16, 24);
            assertEquals(0, (q + 24) % (1 << 16));
            a.free(q);
            misuse(ErrorKind.DOUBLE_FREE, () -> a.free(q));
        }
    }

    // ------------------------------------------------------------------ shadow states

    @ParameterizedTest
    @MethodSource("kinds")
    void shadowFollowsTheBlock(Kind kind) { // CHECKED only: SECURE keeps no per-block state
        try (Allocator a = build(Mode.CHECKED)) {
            long p = a.malloc(kind.size);
            Page page = Page.of(SegmentMap.lookup(p), p);
            BlockShadow shadow = BlockShadow.peek(page);
            int index = (int) page.blockIndexOf(p);
            long state = shadow.getAcquireState(index);
            assertTrue(BlockShadow.isLive(state));
            assertEquals(kind.size, shadow.size(state));
            assertEquals(0, shadow.adjust(state));
            if (kind == Kind.HUGE) {
                a.free(p);
                assertNull(SegmentMap.lookup(p), "a huge block's segment goes at once");
            } else {
                a.free(p);
                assertTrue(BlockShadow.isFreed(shadow.getAcquireState(index)));
            }
        }
    }
}
