package dev.nalloc.bench.memory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockStampTest {

    @Test
    void stampVerifiesForEverySizeAndCatchesAnyChangedStampedByte() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(200, 16);
            long p = block.address();
            for (int size = 0; size <= 130; size++) {
                block.fill((byte) 0x5a);
                BlockStamp.stamp(p, size, 77);
                int s = size;
                assertDoesNotThrow(() -> BlockStamp.verify(p, s, 77), "size " + size);
                boolean anyCaught = false;
                for (int i = 0; i < size; i++) {
                    byte before = NativeMemory.getByte(p + i);
                    NativeMemory.putByte(p + i, (byte) ~before);
                    try {
                        BlockStamp.verify(p, size, 77);
                    } catch (CorruptionException e) {
                        anyCaught = true;
                        assertTrue(e.getMessage().startsWith(String.format(
                                "memory corruption: block 0x%x of %d bytes changed at offset ", p, size)));
                    }
                    NativeMemory.putByte(p + i, before);
                }
                assertTrue(size == 0 || anyCaught, "size " + size);
                if (size > 0) {
                    assertThrows(CorruptionException.class, () -> BlockStamp.verify(p, s, 78), "other tag, size " + s);
                }
            }
        }
    }

    @Test
    void firstAndLastBytesAreAlwaysCovered() {
        try (Arena arena = Arena.ofConfined()) {
            long p = arena.allocate(4096, 16).address();
            for (int size : new int[]{1, 7, 8, 15, 16, 23, 24, 100, 4096}) {
                BlockStamp.stamp(p, size, 5);
                NativeMemory.putByte(p, (byte) ~NativeMemory.getByte(p));
                assertThrows(CorruptionException.class, () -> BlockStamp.verify(p, size, 5));
                BlockStamp.stamp(p, size, 5);
                long last = p + size - 1;
                NativeMemory.putByte(last, (byte) ~NativeMemory.getByte(last));
                assertThrows(CorruptionException.class, () -> BlockStamp.verify(p, size, 5));
            }
        }
    }
}
