package dev.nalloc.bench.memory;

/**
 * Writes a tag-derived pattern into a live block and checks it before the block is freed.
 *
 * <p>The pattern covers the first, middle and last bytes of the block, so blocks that overlap,
 * blocks handed out twice, and writes past a neighbour's end are all caught while checking costs
 * only a few memory accesses (mimalloc-bench's originals verify similarly sparse spots, or none).
 * Tags must be unique per live block for overlaps of equally sized blocks to show.
 */
public final class BlockStamp {

    private BlockStamp() {
    }

    /** The word expected at a spot of a block with this tag. */
    static long word(long tag, long size, int spot) {
        long x = tag * 0x9E3779B97F4A7C15L + size * 0xBF58476D1CE4E5B9L + spot;
        x ^= x >>> 31;
        x *= 0x94D049BB133111EBL;
        return x ^ (x >>> 29);
    }

    /** Stamps a block of {@code size} bytes (any size, including 0). */
    public static void stamp(long address, long size, long tag) {
        if (size >= 24) {
            NativeMemory.putLong(address, word(tag, size, 0));
            NativeMemory.putLong(address + middle(size), word(tag, size, 1));
            NativeMemory.putLong(address + size - 8, word(tag, size, 2));
        } else if (size >= 16) {
            NativeMemory.putLong(address, word(tag, size, 0));
            NativeMemory.putLong(address + size - 8, word(tag, size, 2));
        } else {
            for (int i = 0; i < size; i++) {
                NativeMemory.putByte(address + i, smallByte(tag, size, i));
            }
        }
    }

    /**
     * Checks a stamp written by {@link #stamp}.
     *
     * @throws CorruptionException naming the block when any stamped spot changed
     */
    public static void verify(long address, long size, long tag) {
        if (size >= 24) {
            check(address, size, tag, 0, address);
            check(address, size, tag, 1, address + middle(size));
            check(address, size, tag, 2, address + size - 8);
        } else if (size >= 16) {
            check(address, size, tag, 0, address);
            check(address, size, tag, 2, address + size - 8);
        } else {
            for (int i = 0; i < size; i++) {
                if (NativeMemory.getByte(address + i) != smallByte(tag, size, i)) {
                    throw corrupted(address, size, i);
                }
            }
        }
    }

    /** An 8-aligned offset near the middle; for sizes >= 24 it overlaps neither end word. */
    private static long middle(long size) {
        return (size >>> 1) & ~7L;
    }

    private static byte smallByte(long tag, long size, int i) {
        return (byte) (word(tag, size, 0) >>> (8 * (i & 7)) ^ i);
    }

    private static void check(long address, long size, long tag, int spot, long at) {
        if (NativeMemory.getLong(at) != word(tag, size, spot)) {
            throw corrupted(address, size, at - address);
        }
    }

    private static CorruptionException corrupted(long address, long size, long offset) {
        return new CorruptionException(String.format(
                "memory corruption: block 0x%x of %d bytes changed at offset %d while live", address, size, offset));
    }
}
