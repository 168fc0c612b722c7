package dev.nalloc.spi;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether an OS layer tries large pages for an allocation, as mimalloc decides it: only for whole
 * large pages at a large-page alignment, and not again for the next few such requests after an
 * attempt failed (a failed attempt is slow on every OS, and failures come in runs when the pool of
 * large pages is empty or not configured). Thread-safe.
 */
public final class LargePageBackoff {

    private final int skipsAfterFailure;
    private final AtomicInteger skipsLeft = new AtomicInteger();

    /**
     * A backoff that skips the given number of fitting requests after each failure.
     *
     * @param skipsAfterFailure how many fitting requests go straight to regular pages after a failure
     * @throws IllegalArgumentException when negative
     */
    public LargePageBackoff(int skipsAfterFailure) {
        if (skipsAfterFailure < 0) {
            throw new IllegalArgumentException("skipsAfterFailure must not be negative: " + skipsAfterFailure);
        }
        this.skipsAfterFailure = skipsAfterFailure;
    }

    /**
     * Whether to try large pages for {@code size} bytes at {@code alignment}: the size and the
     * alignment must be multiples of {@code largePageSize} (0 when the OS has none), and no recent
     * failure may still hold requests back. A fitting request that is held back counts one down.
     *
     * @param size          bytes requested
     * @param alignment     the alignment requested
     * @param largePageSize the OS's large page size, 0 when it has none
     * @return true to try large pages
     */
    public boolean shouldTry(long size, long alignment, long largePageSize) {
        if (largePageSize <= 0 || size % largePageSize != 0 || alignment <= 0 || alignment % largePageSize != 0) {
            return false;
        }
        while (true) {
            int left = skipsLeft.get();
            if (left == 0) {
                return true;
            }
            if (skipsLeft.compareAndSet(left, left - 1)) {
                return false;
            }
        }
    }

    /** Records a failed large-page attempt: the next {@code skipsAfterFailure} fitting requests skip large pages. */
    public void failed() {
        skipsLeft.set(skipsAfterFailure);
    }
}
