package dev.nalloc.core.stats;

import dev.nalloc.api.AllocatorStats;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A shared count that goes up and down (mimalloc's {@code mi_stat_count_t}): current value, its
 * exact peak, and the totals of increases and decreases. Atomic, for slow-path events only
 * (segments, arenas, OS memory); nothing on the malloc/free fast paths touches one.
 */
public final class StatCount {

    private final AtomicLong current = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong allocated = new AtomicLong();
    private final AtomicLong freed = new AtomicLong();

    /** Adds {@code n} (for example bytes reserved, or one segment). */
    public void increase(long n) {
        allocated.addAndGet(n);
        long now = current.addAndGet(n);
        long p;
        while (now > (p = peak.get()) && !peak.compareAndSet(p, now)) {
            Thread.onSpinWait();
        }
    }

    /** Takes {@code n} away. */
    public void decrease(long n) {
        freed.addAndGet(n);
        current.addAndGet(-n);
    }

    /** The peak becomes the current value. */
    public void resetPeak() {
        peak.set(current.get());
    }

    public long current() {
        return current.get();
    }

    public long peak() {
        return peak.get();
    }

    /** The count as the API reports it. */
    public AllocatorStats.Count snapshot() {
        long f = freed.get();
        long a = allocated.get();
        long c = current.get();
        return new AllocatorStats.Count(c, Math.max(c, peak.get()), a, f);
    }
}
