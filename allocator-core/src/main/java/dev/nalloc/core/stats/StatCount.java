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

    /** Set when the instance closed: the count stays at zero (see {@link #closeAtZero}). */
    private volatile boolean closed;

    /** Made by the instance's statistics ({@link EngineStats}). */
    StatCount() {
    }

    /**
     * The instance closed and holds nothing of this any more: the count is zero from now on, whatever
     * calls that raced with the close still add or take away (their memory went with the close).
     */
    void closeAtZero() {
        closed = true;
        long c = current.getAndSet(0);
        if (c > 0) {
            freed.addAndGet(c);
        }
    }

    /** Adds {@code n} (for example bytes reserved, or one segment). */
    public void increase(long n) {
        if (closed) {
            return;
        }
        allocated.addAndGet(n);
        long now = current.addAndGet(n);
        long p;
        while (now > (p = peak.get()) && !peak.compareAndSet(p, now)) {
            Thread.onSpinWait();
        }
    }

    /** Takes {@code n} away. */
    public void decrease(long n) {
        if (closed) {
            return;
        }
        freed.addAndGet(n);
        current.addAndGet(-n);
    }

    /** The peak becomes the current value. */
    void resetPeak() {
        peak.set(current.get());
    }

    /** Zero once closed: a racing call may have passed the check in {@link #increase} before the close. */
    public long current() {
        return closed ? 0 : current.get();
    }

    public long peak() {
        return peak.get();
    }

    /** The count as the API reports it. */
    public AllocatorStats.Count snapshot() {
        long f = freed.get();
        long a = allocated.get();
        long c = current.get();
        if (closed) { // see current()
            c = 0;
            f = a;
        }
        return new AllocatorStats.Count(c, Math.max(c, peak.get()), a, f);
    }
}
