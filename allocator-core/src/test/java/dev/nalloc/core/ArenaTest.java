package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.core.stats.StatsProbes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(FreshAllocator.class)
class ArenaTest {

    @FreshAllocator.Fresh
    private Allocator a;

    @Test
    void segmentsAreZeroedExactAndScopedToTheArena() {
        MemorySegment seg;
        MemorySegment big;
        try (Arena arena = a.newArena()) {
            seg = arena.allocate(100, 32);
            assertEquals(100, seg.byteSize());
            assertEquals(0, seg.address() % 32);
            for (int i = 0; i < 100; i++) {
                assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, i));
            }
            seg.fill((byte) 7);
            big = arena.allocate(3L << 20, 1L << 20);
            assertEquals(0, big.address() % (1L << 20));
            big.set(ValueLayout.JAVA_LONG, (3L << 20) - 8, 42);
            assertTrue(seg.scope().isAlive());
            assertEquals(arena.scope(), seg.scope());
            MemorySegment s = arena.allocateFrom("hello");
            assertEquals("hello", s.getString(0));
            assertThrows(IndexOutOfBoundsException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 100));
        }
        assertFalse(seg.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> big.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(0, a.stats().allocationCount(), "close released everything");
    }

    @Test
    void aClosedArenaRefusesAllocationAndSecondClose() {
        Arena arena = a.newArena();
        arena.allocate(8);
        arena.close();
        assertThrows(IllegalStateException.class, () -> arena.allocate(8));
        assertThrows(IllegalStateException.class, arena::close);
    }

    @Test
    void otherThreadsCannotUseTheArena() throws Exception {
        try (Arena arena = a.newArena()) {
            MemorySegment seg = arena.allocate(16);
            TestThreads.runOnNewThread(() -> {
                assertThrows(WrongThreadException.class, () -> arena.allocate(8));
                assertThrows(WrongThreadException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0));
                assertThrows(WrongThreadException.class, arena::close);
            });
            assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, 0), "still usable by the owner");
        }
    }

    @Test
    void invalidArgumentsAndOutOfMemory() {
        try (Arena arena = a.newArena()) {
            assertThrows(IllegalArgumentException.class, () -> arena.allocate(-1, 8));
            assertThrows(IllegalArgumentException.class, () -> arena.allocate(8, 3));
            assertThrows(OutOfMemoryError.class, () -> arena.allocate(Long.MAX_VALUE, 8));
        }
    }

    @Test
    void manyShortLivedArenasDoNotLeak() {
        for (int i = 0; i < 20_000; i++) {
            try (Arena arena = a.newArena()) {
                arena.allocate(64).fill((byte) 1);
                if (i % 100 == 0) {
                    arena.allocate(100_000);
                }
            }
        }
        assertEquals(0, a.stats().allocationCount());
        assertTrue(StatsProbes.segments((dev.nalloc.core.stats.StatsSnapshot) a.stats()) <= 2);
    }
}
