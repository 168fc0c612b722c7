package dev.nalloc.bench.report;

import java.util.Locale;

/** Number formatting shared by the writers. */
public final class Units {

    private Units() {
    }

    /** Bytes in MiB/GiB with one decimal, "-" when unknown. */
    public static String bytes(long bytes) {
        if (bytes < 0) {
            return "-";
        }
        if (bytes >= (1L << 30)) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }

    /** A ratio with two decimals, "-" when not a number. */
    public static String ratio(double r) {
        return Double.isFinite(r) ? String.format(Locale.ROOT, "%.2f", r) : "-";
    }

    public static String decimal(double d, int digits) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%." + digits + "f", d) : "-";
    }
}
