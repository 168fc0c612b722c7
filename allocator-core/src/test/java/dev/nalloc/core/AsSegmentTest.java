package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorMisuseException;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Mode;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Allocator#asSegment}: sized views of blocks, bounded by the block, scoped by the instance or an arena. */
class AsSegmentTest {

    private static Allocator build(Mode mode) {
        return TestAllocators.builder().mode(mode).build();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aViewReadsAndWritesTheBlock(Mode mode) {
        try (Allocator a = build(mode)) {
            for (long size : new long[] {1, 8, 100, 5000, 70_000, 3_000_000}) {
                long p = a.malloc(size);
                MemorySegment s = a.asSegment(p, size);
                assertEquals(p, s.address());
                assertEquals(size, s.byteSize());
                assertTrue(s.isNative());
                s.fill((byte) 0x5A);
                for (long i = 0; i < size; i += Math.max(1, size / 7)) {
                    assertEquals((byte) 0x5A, s.get(JAVA_BYTE, i), "byte " + i + " of " + size);
                }
                a.free(p);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aViewIsBoundedByTheBlock(Mode mode) {
        try (Allocator a = build(mode)) {
            long p = a.malloc(100);
            long usable = a.usableSize(p); // CHECKED: the requested size; FAST and SECURE: the block's
            assertTrue(usable >= 100);
            assertEquals(usable, a.asSegment(p, usable).byteSize());
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> a.asSegment(p, usable + 1));
            assertTrue(e.getMessage().contains("larger than the block"), e.getMessage());
            MemorySegment s = a.asSegment(p, usable);
            assertThrows(IndexOutOfBoundsException.class, () -> s.get(JAVA_BYTE, usable));
            assertEquals(0, a.asSegment(p, 0).byteSize());
            a.free(p); // CHECKED: no overflow was written, the canary is intact
        }
    }

    @Test
    void checkedBoundsAViewByTheRequestedSize() {
        try (Allocator a = build(Mode.CHECKED)) {
            long p = a.malloc(13);
            assertThrows(IndexOutOfBoundsException.class, () -> a.asSegment(p, 14));
            a.asSegment(p, 13).fill((byte) 1);
            a.free(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anInteriorAddressViewsTheRestOfTheBlock(Mode mode) {
        ErrorHandler.Capturing handler = ErrorHandler.capturing();
        try (Allocator a = TestAllocators.builder().mode(mode).errorHandler(handler).build()) {
            long p = a.mallocAligned(4096, 4096);
            long rest = a.usableSize(p + 100);
            if (rest == 0) { // the mode does not accept interior addresses of this block (reported)
                assertNotNull(handler.last());
                a.free(p);
                return;
            }
            assertEquals(rest, a.asSegment(p + 100, rest).byteSize());
            assertThrows(IndexOutOfBoundsException.class, () -> a.asSegment(p + 100, rest + 1));
            a.free(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void badArgumentsAreRefused(Mode mode) {
        try (Allocator a = build(mode)) {
            long p = a.malloc(64);
            assertThrows(IllegalArgumentException.class, () -> a.asSegment(p, -1));
            assertThrows(IllegalArgumentException.class, () -> a.asSegment(0, 8));
            assertThrows(NullPointerException.class, () -> a.asSegment(p, 8, null));
            try (Arena foreign = Arena.ofConfined()) {
                long outside = foreign.allocate(64).address();
                AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class, () -> a.asSegment(outside, 8));
                assertEquals(ErrorKind.INVALID_FREE, e.kind());
            }
            a.free(p);
        }
    }

    @Test
    void aForeignAddressIsReportedEvenWhenTheHandlerReturns() {
        ErrorHandler.Capturing handler = ErrorHandler.capturing();
        try (Allocator a = TestAllocators.builder().errorHandler(handler).build(); Arena foreign = Arena.ofConfined()) {
            long outside = foreign.allocate(64).address();
            AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class, () -> a.asSegment(outside, 8));
            assertEquals(ErrorKind.INVALID_FREE, e.kind());
            assertEquals(ErrorKind.INVALID_FREE, handler.last().kind(), "reported through the handler first");
        }
    }

    @Test
    void checkedAndSecureReportAViewOfAFreedBlock() {
        for (Mode mode : new Mode[] {Mode.CHECKED, Mode.SECURE}) {
            ErrorHandler.Capturing handler = ErrorHandler.capturing();
            try (Allocator a = TestAllocators.builder().mode(mode).errorHandler(handler).build()) {
                long keep = a.malloc(64); // the page stays in use
                long p = a.malloc(64);
                a.free(p);
                assertThrows(IllegalArgumentException.class, () -> a.asSegment(p, 8), mode.name());
                assertNotNull(handler.last(), mode + " reported the freed block");
                a.free(keep);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void viewsOfABuiltInstanceDieWithIt(Mode mode) {
        Allocator a = build(mode);
        long p = a.malloc(64);
        MemorySegment s = a.asSegment(p, 64);
        s.set(JAVA_LONG, 0, 42L);
        assertTrue(s.scope().isAlive());
        a.close(); // the memory goes back to the OS: the view must not reach it
        assertFalse(s.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> s.get(JAVA_LONG, 0));
        assertThrows(IllegalStateException.class, () -> a.asSegment(p, 64));
    }

    @Test
    void aViewOnAnotherThreadDiesWithTheInstanceToo() throws Exception {
        Allocator a = build(Mode.FAST);
        long p = a.malloc(64);
        MemorySegment s = a.asSegment(p, 64); // shared scope: any thread may use it
        TestThreads.runOnNewThread(() -> s.set(JAVA_LONG, 8, 7L));
        a.close();
        TestThreads.runOnNewThread(() -> assertThrows(IllegalStateException.class, () -> s.get(JAVA_LONG, 8)));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aViewInTheCallersArenaDiesWithTheArena(Mode mode) {
        try (Allocator a = build(mode)) {
            long p = a.malloc(256);
            MemorySegment s;
            try (Arena scope = Arena.ofConfined()) {
                s = a.asSegment(p, 256, scope);
                assertSame(scope.scope(), s.scope());
                s.fill((byte) 3);
            }
            assertThrows(IllegalStateException.class, () -> s.get(JAVA_BYTE, 0));
            assertEquals(3, MemorySegment.ofAddress(p).reinterpret(256).get(JAVA_BYTE, 255), "the block is untouched and live");
            a.free(p);
            Arena closed = Arena.ofConfined();
            closed.close();
            long q = a.malloc(8);
            assertThrows(IllegalStateException.class, () -> a.asSegment(q, 8, closed));
            a.free(q);
        }
    }

    @Test
    void theGlobalAllocatorsViewsHaveTheGlobalScope() {
        Allocator g = Allocator.global();
        long p = g.malloc(32);
        MemorySegment s = g.asSegment(p, 32);
        assertEquals(MemorySegment.NULL.scope(), s.scope());
        s.fill((byte) 9);
        g.free(p);
    }
}
