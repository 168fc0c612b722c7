package dev.nalloc.api;

import java.util.Locale;

/** The safety mode of an allocator. Also selectable with the option {@code mode}. */
public enum Mode {
    /** No checks beyond the cheap ones (the default). */
    FAST,
    /**
     * mimalloc's debug mode: padding with byte-precise overflow detection at free, double-free and
     * interior-pointer free detection, fill patterns, internal assertions.
     */
    CHECKED,
    /**
     * mimalloc's secure mode: encoded free lists, guard pages, randomized allocation order,
     * double-free detection.
     */
    SECURE;

    /**
     * Parses {@code fast}, {@code checked} or {@code secure}, ignoring case and surrounding blanks.
     *
     * @param text the mode's name
     * @return the mode
     * @throws IllegalArgumentException when the text names no mode
     */
    public static Mode parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        for (Mode m : values()) {
            if (m.name().equals(t)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + text + "' (expected fast, checked or secure)");
    }
}
