package dev.nalloc.os.linux;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Addresses to suggest to {@code mmap} when an aligned reservation is wanted (the idea of
 * mimalloc's aligned hints): consecutive reservations are placed at increasing, aligned addresses
 * in an area the kernel's top-down allocator rarely uses, so most aligned requests are aligned at
 * the first try and need no over-allocation and trimming. A hint is only a suggestion: if the
 * range is taken, the kernel places the mapping elsewhere.
 */
final class AlignedHints {

    /** Hints are multiples of this unit (the engine's segment size). */
    static final long UNIT = 32L << 20;
    private static final long BASE = 2L << 40;         // 2 TiB
    private static final long RANDOM_AREA = 4L << 40;  // start somewhere in [2 TiB, 6 TiB)
    private static final long LIMIT = 30L << 40;       // wrap after 30 TiB
    /** Larger requests get no hint, so that one huge mapping cannot cover predictable addresses. */
    private static final long MAX_SIZE = 1L << 30;

    private final AtomicLong next = new AtomicLong();
    private final long addressLimit;

    /** @param virtualAddressBits hints stay below {@code 1 << virtualAddressBits} */
    AlignedHints(int virtualAddressBits) {
        this.addressLimit = Math.min(LIMIT, 1L << virtualAddressBits);
    }

    /** An address aligned to {@code alignment} for {@code size} bytes, or 0 for "no hint". */
    long hint(long alignment, long size) {
        if (alignment <= 1 || alignment > UNIT || size <= 0 || size > MAX_SIZE || addressLimit <= BASE + RANDOM_AREA) {
            return 0;
        }
        long span = (size + UNIT - 1) & -UNIT;
        long hint = next.getAndAdd(span);
        if (hint == 0 || hint + span > addressLimit) {
            long start = BASE + (ThreadLocalRandom.current().nextLong(RANDOM_AREA / UNIT) * UNIT);
            next.compareAndSet(hint + span, start);
            hint = next.getAndAdd(span);
            if (hint == 0 || hint + span > addressLimit) {
                return 0;
            }
        }
        return (hint & (alignment - 1)) == 0 ? hint : 0;
    }
}
