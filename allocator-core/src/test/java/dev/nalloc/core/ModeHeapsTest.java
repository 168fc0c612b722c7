package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorMisuseException;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Mode;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * First-class heaps, arenas and memory segments of CHECKED and SECURE instances go through the
 * mode's checks too; the error handlers (throw, log and continue, capture) all leave the instance
 * usable.
 */
class ModeHeapsTest {

    private static Allocator build(Mode mode) {
        return TestAllocators.builder().mode(mode).build();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void heapsAllocateThroughTheChecks(Mode mode) {
        try (Allocator a = build(mode)) {
            Heap h = a.newHeap();
            assertSame(a, h.allocator());
            long p = h.malloc(100);
            long z = h.zalloc(3000);
            long c = h.calloc(10, 10);
            long al = h.mallocAligned(100, 256);
            long at = h.mallocAlignedAt(100, 256, 8);
            assertTrue(TestAllocators.isZero(z, 3000) && TestAllocators.isZero(c, 100));
            assertEquals(0, al % 256);
            assertEquals(0, (at + 8) % 256);
            assertTrue(h.contains(p));
            long r = h.realloc(p, 5000);
            a.free(r);
            AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class, () -> a.free(r));
            assertEquals(ErrorKind.DOUBLE_FREE, e.kind());
            a.free(z);
            a.free(c);
            a.free(al);
            long[] live = {0};
            h.visitBlocks(true, (area, block, size) -> {
                if (block != 0) {
                    live[0]++;
                }
                return true;
            });
            assertEquals(1, live[0], "one block left: the aligned-at one");
            h.close(); // delete: its live block now belongs to the default heap
            a.free(at);
            Heap d = a.heap();
            assertSame(d, a.heap());
            long q = d.malloc(10);
            a.free(q);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void destroyedHeapsAndClosedArenasFreeEverythingAndTheMemoryIsReused(Mode mode) {
        try (Allocator a = TestAllocators.builder().mode(mode)
                .option(dev.nalloc.api.Option.GUARDED_SAMPLE_RATE, 3).build()) {
            for (int round = 0; round < 50; round++) {
                Heap h = a.newHeap();
                for (int i = 0; i < 30; i++) {
                    TestAllocators.fill(h.malloc(200 + i * 40), 200, i);
                }
                h.destroy();
                try (Arena arena = a.newArena()) {
                    for (int i = 0; i < 30; i++) {
                        MemorySegment s = arena.allocate(100 + i, 8);
                        assertTrue(TestAllocators.isZero(s.address(), s.byteSize()));
                        s.fill((byte) 1);
                    }
                }
            }
            assertEquals(0, a.stats().allocationCount());
            // Sampled blocks had guard pages: their memory must be writable again for later blocks.
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 3000; i++) {
                long p = a.malloc(300);
                assertTrue(seen.add(p));
                TestAllocators.fill(p, 300, i);
            }
            seen.forEach(a::free);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void arenaSegmentsAreRefusedAfterClose(Mode mode) {
        try (Allocator a = build(mode)) {
            MemorySegment s;
            try (Arena arena = a.newArena()) {
                s = arena.allocate(ValueLayout.JAVA_LONG, 10);
                s.setAtIndex(ValueLayout.JAVA_LONG, 9, 42);
            }
            MemorySegment dead = s;
            assertThrows(IllegalStateException.class, () -> dead.get(ValueLayout.JAVA_LONG, 0));
            MemorySegment g = a.allocate(64, 16);
            assertEquals(0, g.address() % 16);
            a.free(g);
            assertThrows(AllocatorMisuseException.class, () -> a.free(g));
        }
    }

    @org.junit.jupiter.api.Test
    void checkedArenaOverflowIsReportedWhenTheArenaCloses() {
        try (Allocator a = build(Mode.CHECKED)) {
            Arena arena = a.newArena();
            MemorySegment s = arena.allocate(40, 8);
            Mem.storeByte(s.address() + 40, (byte) ~Mem.loadByte(s.address() + 40)); // past the segment: only a raw write gets there
            AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class, arena::close);
            assertEquals(ErrorKind.BUFFER_OVERFLOW, e.kind());
            assertTrue(e.getMessage().contains("of 40 bytes was written past its end: first bad byte at offset 40"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0), "closed anyway");
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void loggingHandlerContinuesAndCountsUpToMaxErrors(Mode mode) {
        LogCapture log = LogCapture.of("dev.nalloc");
        try (Allocator a = TestAllocators.builder().mode(mode).errorHandler(ErrorHandler.logging(2)).build()) {
            long p = a.malloc(64);
            a.free(p);
            for (int i = 0; i < 5; i++) {
                a.free(p); // logged twice, then counted silently; nothing changes
            }
            Set<Long> live = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                assertTrue(live.add(a.malloc(64)), "no block handed out twice");
            }
            live.forEach(a::free);
            assertEquals(0, a.stats().allocationCount());
        } finally {
            log.close();
        }
        assertEquals(2, log.messages().stream().filter(m -> m.contains("nalloc: double free")).count(), log.messages()::toString);
        assertEquals(1, log.messages().stream().filter(m -> m.contains("further messages are suppressed")).count(),
                log.messages()::toString);
    }
}
