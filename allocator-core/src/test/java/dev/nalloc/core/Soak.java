package dev.nalloc.core;

/**
 * The soak profile of the reliability tests: {@code -Dnalloc.soak=300} (seconds, or with a unit:
 * {@code 90s}, {@code 5m}) makes each of them run its scenarios over and over, with new seeds, for
 * that long (in its child JVM) instead of once. Unset or 0: the quick run of the ordinary build.
 */
public final class Soak {

    private Soak() {
    }

    /** The seconds each soaking test runs, 0 when the profile is off. */
    public static long seconds() {
        String value = System.getProperty("nalloc.soak", "").trim().toLowerCase(java.util.Locale.ROOT);
        if (value.isEmpty() || value.equals("false")) {
            return 0;
        }
        long unit = 1;
        if (value.endsWith("m")) {
            unit = 60;
            value = value.substring(0, value.length() - 1);
        } else if (value.endsWith("s")) {
            value = value.substring(0, value.length() - 1);
        }
        try {
            return Math.max(0, Long.parseLong(value.trim()) * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("nalloc.soak: seconds (or 90s, 5m) expected, not '"
                    + System.getProperty("nalloc.soak") + "'");
        }
    }

    /** A test body that may throw. */
    public interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} once, and again and again until the soak time is over when the profile is on. */
    public static void repeat(Body body) throws Exception {
        long end = System.nanoTime() + seconds() * 1_000_000_000L;
        do {
            body.run();
        } while (System.nanoTime() - end < 0);
    }
}
