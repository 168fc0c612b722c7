package dev.nalloc.core.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Raw loads and stores at native addresses through one segment spanning all memory. Only the
 * engine calls these, and only at addresses of blocks it manages.
 */
public final class Mem {

    /** All of memory: the one restricted {@code reinterpret} the engine's hot paths rely on. */
    @SuppressWarnings("restricted")
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    private Mem() {
    }

    public static long load(long address) {
        return ALL.get(WORD, address);
    }

    public static void store(long address, long value) {
        ALL.set(WORD, address, value);
    }

    /** Sets {@code size} bytes at {@code address} to zero. */
    public static void zero(long address, long size) {
        if (size <= 256 && (size & 7) == 0) {
            // Small blocks: word stores, no slice object.
            for (long i = 0; i < size; i += 8) {
                ALL.set(WORD, address + i, 0L);
            }
        } else if (size > 0) {
            fill(address, size, (byte) 0);
        }
    }

    /**
     * Sets {@code size} bytes to {@code value}. The bulk fill takes a slice object, which compiled
     * code does without; when the Java heap is exhausted (interpreted code under a small -Xmx) the
     * bytes are stored one word at a time instead, so that a free never fails half-way for a fill.
     */
    public static void fill(long address, long size, byte value) {
        if (size > 0) {
            try {
                ALL.asSlice(address, size).fill(value);
            } catch (OutOfMemoryError e) {
                fillWithoutJavaHeap(address, size, value);
            }
        }
    }

    private static void fillWithoutJavaHeap(long address, long size, byte value) {
        long word = (value & 0xFFL) * 0x0101010101010101L;
        long i = 0;
        for (; i + 8 <= size; i += 8) {
            ALL.set(WORD, address + i, word);
        }
        for (; i < size; i++) {
            ALL.set(ValueLayout.JAVA_BYTE, address + i, value);
        }
    }

    /** Copies {@code size} bytes (regions may overlap). */
    public static void copy(long from, long to, long size) {
        if (size > 0) {
            MemorySegment.copy(ALL, from, ALL, to, size);
        }
    }

    /**
     * The offset of the first byte of the {@code length} bytes at {@code address} that differs
     * from {@code pattern} (read from its start), or -1 when none does: the JDK's vectorized compare.
     */
    public static long mismatch(long address, long length, MemorySegment pattern) {
        return MemorySegment.mismatch(ALL, address, address + length, pattern, 0, length);
    }

    public static byte loadByte(long address) {
        return ALL.get(ValueLayout.JAVA_BYTE, address);
    }

    public static void storeByte(long address, byte value) {
        ALL.set(ValueLayout.JAVA_BYTE, address, value);
    }
}
