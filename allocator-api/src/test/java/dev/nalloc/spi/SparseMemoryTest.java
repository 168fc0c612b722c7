package dev.nalloc.spi;

import dev.nalloc.spi.conformance.SparseMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SparseMemoryTest {

    @Test
    void theUsableRangeStartsOnAGibiByteBoundaryWithTheCapacityAsked() {
        try (SparseMemory memory = new SparseMemory(1L << 32)) {
            assertEquals(0, memory.base() % SparseMemory.ALIGNMENT);
            assertEquals(1L << 30, SparseMemory.ALIGNMENT);
            assertEquals(1L << 32, memory.capacity());
        }
    }

    @Test
    void itsBytesAreReadableWritableAndZeroable() {
        try (SparseMemory memory = new SparseMemory(1L << 30)) {
            MemorySegment bytes = memory.slice(memory.base(), memory.capacity());
            assertEquals(memory.base(), bytes.address());
            long last = memory.capacity() - Long.BYTES;
            assertEquals(0, bytes.get(JAVA_LONG, 0));
            assertEquals(0, bytes.get(JAVA_LONG, last));
            bytes.set(JAVA_LONG, 0, 0x1122_3344_5566_7788L);
            bytes.set(JAVA_LONG, 4096, 42);
            bytes.set(JAVA_LONG, last, -1);
            assertEquals(0x1122_3344_5566_7788L, bytes.get(JAVA_LONG, 0));
            assertEquals(-1, bytes.get(JAVA_LONG, last));

            memory.zero(memory.base(), 4096);
            assertEquals(0, bytes.get(JAVA_LONG, 0));
            assertEquals(42, bytes.get(JAVA_LONG, 4096), "zero stops at the size given");
            memory.zero(memory.base() + last, Long.BYTES);
            assertEquals(0, bytes.get(JAVA_LONG, last));
        }
    }

    @Test
    void zeroOutsideTheUsableRangeIsRefused() {
        try (SparseMemory memory = new SparseMemory(1L << 20)) {
            assertThrows(IndexOutOfBoundsException.class, () -> memory.zero(memory.base() + memory.capacity() - 8, 16));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.slice(memory.base() - 8, 8));
        }
    }
}
