package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Mode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@link Arena} from {@code newArena()} that is still open when its thread calls
 * {@code threadDone()} (issue 23), in every mode: it keeps working, its close frees its blocks and
 * ends its scope, and the thread's data is retired when the last such arena closes.
 */
class ArenaThreadDoneTest {

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anArenaOpenAtThreadDoneCanStillBeUsedAndClosed(Mode mode) {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            Arena arena = a.newArena();
            MemorySegment s = arena.allocate(100);
            MemorySegment big = arena.allocate(3L << 20);
            s.set(ValueLayout.JAVA_LONG, 0, 42);
            assertEquals(2, a.stats().allocationCount());
            a.threadDone();
            assertEquals(42, s.get(ValueLayout.JAVA_LONG, 0), "its segments stay readable while it is open");
            MemorySegment more = arena.allocate(200);
            more.set(ValueLayout.JAVA_LONG, 0, 7);
            assertEquals(3, a.stats().allocationCount());
            long p = a.malloc(64); // the thread may allocate again: fresh thread data
            a.free(p);
            assertDoesNotThrow(arena::close);
            assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_LONG, 0), "closed: no access");
            assertThrows(IllegalStateException.class, () -> big.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, arena::close, "a second close is refused, as for any arena");
            assertEquals(0, a.stats().allocationCount(), "its blocks were released");
            assertEquals(0, a.stats().allocated());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void theLastArenaToCloseRetiresTheThreadsData(Mode mode) {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            Heap h = a.newHeap();
            long kept = h.malloc(500);
            Heap defaultHeap = a.heap();
            Arena first = a.newArena();
            Arena second = a.newArena();
            first.allocate(64);
            second.allocate(5000);
            long threadsBefore = a.stats().counts().get("threads").current();
            a.threadDone();
            // what holds no arena's blocks went as threadDone says: heap handles are dead, blocks valid
            assertThrows(IllegalStateException.class, () -> h.malloc(10));
            assertThrows(IllegalStateException.class, () -> defaultHeap.malloc(10));
            assertTrue(TestAllocators.isZero(kept, 0));
            first.close();
            assertEquals(threadsBefore, a.stats().counts().get("threads").current(), "one arena still open: kept");
            second.allocate(100);
            second.close();
            assertTrue(a.stats().counts().get("threads").current() < threadsBefore, "retired with the last arena");
            a.free(kept); // a block of a deleted heap stays valid
            a.collect(true);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anotherThreadsArenaOpenAtItsThreadDone(Mode mode) throws Exception {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            TestThreads.runOnNewThread(() -> {
                for (int round = 0; round < 50; round++) {
                    Arena arena = a.newArena();
                    MemorySegment s = arena.allocate(1000);
                    s.fill((byte) 1);
                    a.threadDone();
                    arena.allocate(20_000).fill((byte) 2);
                    arena.close();
                }
            });
            a.collect(true);
            assertEquals(0, a.stats().allocationCount());
        }
    }
}
