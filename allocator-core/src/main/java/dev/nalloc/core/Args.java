package dev.nalloc.core;

import dev.nalloc.core.memory.Layout;

/** The argument checks of every mode's entry points (the same exceptions and words in each). */
final class Args {

    private Args() {
    }

    /** Throws {@link IllegalArgumentException} for a negative {@code size} ({@code what} names it). */
    static void checkSize(long size, String what) {
        if (size < 0) {
            throw new IllegalArgumentException("nalloc: negative " + what + ": " + size);
        }
    }

    /** Throws {@link IllegalArgumentException} unless {@code alignment} is a positive power of two. */
    static void checkAlignment(long alignment) {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new IllegalArgumentException("nalloc: alignment must be a positive power of two: " + alignment);
        }
    }

    /** {@code count * size}, or -1 on overflow (throws for a negative one). */
    static long product(long count, long size) {
        checkSize(count, "count");
        checkSize(size, "size");
        long hi = Math.multiplyHigh(count, size);
        long lo = count * size;
        return hi != 0 || lo < 0 ? -1 : lo;
    }

    /** True for a request of valid arguments that is not too large (nothing to check or report). */
    static boolean goodRequest(long size, long alignment, long offset) {
        return size >= 0 && offset >= 0 && alignment > 0 && (alignment & (alignment - 1)) == 0 && size <= Layout.MAX_ALLOC_SIZE;
    }
}
