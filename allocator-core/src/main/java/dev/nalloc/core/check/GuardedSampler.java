package dev.nalloc.core.check;

import dev.nalloc.api.Option;
import dev.nalloc.api.OptionValues;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Guarded sampling (mimalloc's {@code guarded_sample_rate}): one in {@code rate} eligible
 * allocations (sizes in {@code [guarded_min, guarded_max]}) gets a guard page right after it. The
 * sampled ones are exactly every {@code rate}-th eligible call from a start point chosen by the
 * seed (random when the seed is 0), counted over the whole instance.
 */
public final class GuardedSampler {

    private final long rate;
    private final long min;
    private final long max;
    private final boolean precise;
    private final AtomicLong calls = new AtomicLong();

    private GuardedSampler(long rate, long min, long max, boolean precise, long phase) {
        this.rate = rate;
        this.min = min;
        this.max = max;
        this.precise = precise;
        this.calls.set(phase);
    }

    /** The sampler of these options, or null when sampling is off ({@code guarded_sample_rate} 0). */
    public static GuardedSampler of(OptionValues o, long secret) {
        long rate = o.get(Option.GUARDED_SAMPLE_RATE);
        if (rate <= 0) {
            return null;
        }
        long seed = o.get(Option.GUARDED_SAMPLE_SEED);
        long phase = Long.remainderUnsigned(Keys.mix(seed != 0 ? seed : secret), rate);
        return new GuardedSampler(rate, o.get(Option.GUARDED_MIN), o.get(Option.GUARDED_MAX),
                o.isEnabled(Option.GUARDED_PRECISE), phase);
    }

    /** True when an allocation of {@code size} bytes is to be guarded. */
    public boolean sample(long size) {
        if (size < min || size > max) {
            return false;
        }
        return rate == 1 || calls.getAndIncrement() % rate == 0;
    }

    /**
     * Bytes between the user address and the guard page: the size itself when precise, else the
     * size rounded up to 16 so that the block stays 16-byte aligned.
     */
    public long span(long size) {
        return precise ? size : (size + 15) & -16L;
    }

    public boolean precise() {
        return precise;
    }
}
