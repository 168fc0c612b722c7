package dev.nalloc.bench.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads and writes raw native addresses handed out by any allocator under test.
 *
 * <p>The workloads receive plain {@code long} addresses from peers that know nothing of
 * {@link MemorySegment}s, so they go through one segment spanning the whole address space
 * (a restricted operation: the JVM needs native access for the bench's module).
 */
public final class NativeMemory {

    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final java.lang.invoke.VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle();

    private NativeMemory() {
    }

    public static void putLong(long address, long value) {
        EVERYTHING.set(ValueLayout.JAVA_LONG_UNALIGNED, address, value);
    }

    public static long getLong(long address) {
        return EVERYTHING.get(ValueLayout.JAVA_LONG_UNALIGNED, address);
    }

    public static void putByte(long address, byte value) {
        EVERYTHING.set(ValueLayout.JAVA_BYTE, address, value);
    }

    public static byte getByte(long address) {
        return EVERYTHING.get(ValueLayout.JAVA_BYTE, address);
    }

    /** A byte store the JIT may not drop or merge (C's {@code volatile char} in the cache benchmarks). */
    public static void putByteOpaque(long address, byte value) {
        BYTE.setOpaque(EVERYTHING, address, value);
    }

    /** A byte load the JIT may not drop or merge. */
    public static byte getByteOpaque(long address) {
        return (byte) BYTE.getOpaque(EVERYTHING, address);
    }

    /** Sets {@code length} bytes at {@code address} to {@code value}. */
    public static void fill(long address, long length, byte value) {
        if (length > 0) {
            EVERYTHING.asSlice(address, length).fill(value);
        }
    }

    /** Copies {@code length} bytes between possibly overlapping native ranges. */
    public static void copy(long from, long to, long length) {
        if (length > 0) {
            MemorySegment.copy(EVERYTHING, from, EVERYTHING, to, length);
        }
    }
}
