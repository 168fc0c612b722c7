package dev.nalloc.stats;

import java.util.Locale;

/** Byte counts and plain counts in the units people read (mimalloc's {@code mi_printf_amount}). */
public final class HumanUnits {

    private static final String[] BYTE_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private HumanUnits() {
    }

    /**
     * {@return the byte count in binary units with one decimal} {@code 0 B}, {@code 1023 B},
     * {@code 1.0 KiB}, {@code 1.5 MiB}, …
     *
     * @param n bytes
     */
    public static String bytes(long n) {
        long abs = n == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(n);
        if (abs < 1024) {
            return n + " B";
        }
        int unit = (63 - Long.numberOfLeadingZeros(abs)) / 10;
        double value = n / (double) (1L << (10 * unit));
        return String.format(Locale.ROOT, "%.1f %s", value, BYTE_UNITS[unit]);
    }

    /**
     * {@return the count in decimal units with one decimal} {@code 999}, {@code 1.2 k}, {@code 3.4 M},
     * {@code 5.6 G}
     *
     * @param n the count
     */
    public static String count(long n) {
        long abs = n == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(n);
        if (abs < 1000) {
            return Long.toString(n);
        }
        String[] units = {"k", "M", "G", "T", "P", "E"};
        double value = n;
        int unit = -1;
        while (Math.abs(value) >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
