package dev.nalloc.api;

import java.util.Locale;

/**
 * How much of the allocation activity leak detection records (option {@code leak_detection}:
 * {@code NALLOC_LEAK_DETECTION}, {@code -Dnalloc.leak_detection}, or
 * {@code builder.option(Option.LEAK_DETECTION, LeakDetection.SAMPLED.ordinal())}). The level is
 * fixed when an instance is built: with {@link #OFF} the instance has no tracking layer at all.
 */
public enum LeakDetection {
    /** Nothing is recorded; malloc and free run exactly as without the feature (the default). */
    OFF,
    /**
     * One allocation in {@code leak_sample_rate} (chosen at random) records its allocating stack;
     * the record goes when the block is freed. Meant to stay on in production, like Netty's
     * {@code SIMPLE} level: a leak that grows is found by its samples.
     */
    SAMPLED,
    /** Every allocation records its allocating stack: for tests and debugging (a few microseconds each). */
    ALL;

    /**
     * Parses {@code off}, {@code sampled} or {@code all}, ignoring case.
     *
     * @param text the level's name
     * @return the level
     * @throws IllegalArgumentException for another text
     */
    public static LeakDetection parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        for (LeakDetection l : values()) {
            if (l.name().equals(t)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown leak detection level '" + text + "' (expected off, sampled or all)");
    }

    /**
     * The level an option value stands for.
     *
     * @param ordinal the option's value (a level's ordinal)
     * @return the level; {@link #OFF} for an unknown value
     */
    public static LeakDetection of(long ordinal) {
        LeakDetection[] all = values();
        return ordinal >= 0 && ordinal < all.length ? all[(int) ordinal] : OFF;
    }
}
