package dev.nalloc.api;

import java.util.List;
import java.util.Objects;

/**
 * The live blocks leak detection has recorded, grouped by allocation site, most bytes first
 * ({@link Allocator#leakReport()}; logged as a warning when an instance closes, or a heap is
 * destroyed, with recorded blocks still live).
 *
 * @param level      the instance's leak detection level
 * @param sampleRate with {@link LeakDetection#SAMPLED}, one allocation in this many is recorded; 1 otherwise
 * @param blocks     live recorded blocks, in all sites
 * @param bytes      the bytes those blocks were requested with
 * @param unrecorded allocations that were to be recorded but were not, because
 *                   {@code leak_max_records} records were live then
 * @param sites      the allocation sites, most bytes first
 */
public record LeakReport(LeakDetection level, long sampleRate, long blocks, long bytes, long unrecorded,
                         List<AllocationSite> sites) {

    /** Frames printed per site by {@link #render}. */
    private static final int FRAMES = 12;

    /**
     * Copies the sites (immutable).
     *
     * @throws NullPointerException when the level or the sites are null
     */
    public LeakReport {
        Objects.requireNonNull(level, "level");
        sites = List.copyOf(Objects.requireNonNull(sites, "sites"));
    }

    /** {@return the report of an instance without leak detection} */
    public static LeakReport off() {
        return new LeakReport(LeakDetection.OFF, 1, 0, 0, 0, List.of());
    }

    /** {@return true when no live recorded block is left} */
    public boolean isEmpty() {
        return blocks == 0;
    }

    /**
     * The report as text: a first line with {@code headline}, the totals and the level, then up to
     * {@code maxSites} sites (the ones with the most bytes) with their stacks and a few addresses.
     * Lines are separated by {@code \n}; the text ends without one.
     *
     * @param headline what the report is of (for example {@code instance 'cache' closed})
     * @param maxSites sites listed at most (the rest are counted)
     * @return the text
     */
    public String render(String headline, int maxSites) {
        StringBuilder sb = new StringBuilder(headline).append(": ")
                .append(count(blocks, "live block")).append(" (").append(bytes).append(" bytes requested) at ")
                .append(count(sites.size(), "allocation site")).append(", ").append(levelText());
        if (unrecorded > 0) {
            sb.append("; ").append(unrecorded).append(" allocations were not recorded (leak_max_records reached)");
        }
        int shown = 0;
        for (AllocationSite s : sites) {
            if (shown++ == maxSites) {
                sb.append("\n  … ").append(count(sites.size() - maxSites, "more site"));
                break;
            }
            sb.append("\n  ").append(count(s.blocks(), "block")).append(", ").append(s.bytes()).append(" bytes, allocated at:");
            int frames = 0;
            for (StackTraceElement e : s.stack()) {
                if (frames++ == FRAMES) {
                    sb.append("\n        … ").append(s.stack().size() - FRAMES).append(" more frames");
                    break;
                }
                sb.append("\n        at ").append(e);
            }
            if (!s.addresses().isEmpty()) {
                sb.append("\n      blocks:");
                for (long a : s.addresses()) {
                    sb.append(" 0x").append(Long.toHexString(a));
                }
                if (s.blocks() > s.addresses().size()) {
                    sb.append(" …");
                }
            }
        }
        return sb.toString();
    }

    private String levelText() {
        return switch (level) {
            case OFF -> "leak detection off";
            case SAMPLED -> "leak_detection=sampled (one allocation in " + sampleRate + " recorded)";
            case ALL -> "leak_detection=all";
        };
    }

    private static String count(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
