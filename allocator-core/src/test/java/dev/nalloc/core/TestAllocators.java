package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorBuilder;
import dev.nalloc.api.Option;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.OsPrimitives;

/** Allocators for tests: the real OS layer found by ServiceLoader, no environment options. */
public final class TestAllocators {

    private TestAllocators() {
    }

    public static AllocatorBuilder builder() {
        return Allocator.builder().os(OsPrimitives.best()).readEnvironment(false)
                .option(Option.ARENA_RESERVE, 256L << 20);
    }

    public static Allocator create() {
        return builder().build();
    }

    public static Allocator capturing(ErrorHandler.Capturing handler) {
        return builder().errorHandler(handler).build();
    }

    /** Writes a pattern derived from {@code seed} over {@code size} bytes. */
    public static void fill(long address, long size, long seed) {
        long i = 0;
        for (; i + 8 <= size; i += 8) {
            Mem.store(address + i, seed * 31 + i);
        }
        for (; i < size; i++) {
            Mem.storeByte(address + i, tailByte(seed, i));
        }
    }

    /** Byte {@code i} of the pattern: the matching byte of the little-endian word at its offset. */
    private static byte tailByte(long seed, long i) {
        return (byte) ((seed * 31 + (i & ~7L)) >>> ((i & 7) * 8));
    }

    /** True when {@link #fill} with {@code seed} is intact. */
    public static boolean check(long address, long size, long seed) {
        long i = 0;
        for (; i + 8 <= size; i += 8) {
            if (Mem.load(address + i) != seed * 31 + i) {
                return false;
            }
        }
        for (; i < size; i++) {
            if (Mem.loadByte(address + i) != tailByte(seed, i)) {
                return false;
            }
        }
        return true;
    }

    /** Writes {@code size} into the block's first word and a pattern of address and size over the rest (see {@link #checkSized}). */
    public static void fillSized(long p, long size) {
        Mem.store(p, size);
        fill(p + 8, size - 8, p ^ size);
    }

    /** True when the block at {@code p}, written by {@link #fillSized} with a size of 16 bytes to 1 MiB, is intact. */
    public static boolean checkSized(long p) {
        long size = Mem.load(p);
        return size >= 16 && size <= 1 << 20 && check(p + 8, size - 8, p ^ size);
    }

    public static boolean isZero(long address, long size) {
        for (long i = 0; i < size; i++) {
            if (Mem.loadByte(address + i) != 0) {
                return false;
            }
        }
        return true;
    }
}
