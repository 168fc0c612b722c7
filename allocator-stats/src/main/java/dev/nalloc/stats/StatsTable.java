package dev.nalloc.stats;

import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.AllocatorStats.Count;
import dev.nalloc.spi.OsPrimitives;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A human table of a statistics snapshot in the manner of mimalloc's {@code mi_stats_print}:
 * the counts with their peak, total, freed and current values, the event counters, the size
 * classes and the process, in aligned columns with human units (binary units for bytes, decimal
 * ones for counts). Every number is described in docs/statistics.md.
 */
public final class StatsTable {

    /** The counts and counters measured in bytes (the others are numbers of things). */
    static final Set<String> BYTE_KEYS = Set.of("reserved", "committed", "os_committed", "allocated", "normal", "large",
            "huge",
            "reset_bytes", "purged_bytes", "generic_bytes");

    private StatsTable() {
    }

    /**
     * {@return the snapshot as a table, without a title}
     *
     * @param stats the snapshot
     */
    public static String render(AllocatorStats stats) {
        return render(null, stats);
    }

    /**
     * {@return the snapshot as a table under the title {@code nalloc statistics: <name>}}
     *
     * @param name  the allocator's name, or null for no title
     * @param stats the snapshot
     */
    public static String render(String name, AllocatorStats stats) {
        StringBuilder sb = new StringBuilder();
        if (name != null) {
            sb.append("nalloc statistics: ").append(name).append('\n');
        }
        TextTable counts = new TextTable().row("", "peak", "total", "freed", "current");
        for (Map.Entry<String, Count> e : countsOf(stats).entrySet()) {
            Count c = e.getValue();
            boolean bytes = BYTE_KEYS.contains(e.getKey());
            counts.row(label(e.getKey()) + ":", amount(c.peak(), bytes), amount(c.allocated(), bytes),
                    amount(c.freed(), bytes), amount(c.current(), bytes));
        }
        counts.appendTo(sb, "");

        if (!stats.counters().isEmpty()) {
            sb.append("counters:\n");
            TextTable counters = new TextTable();
            for (Map.Entry<String, Long> e : stats.counters().entrySet()) {
                counters.row(label(e.getKey()) + ":", amount(e.getValue(), BYTE_KEYS.contains(e.getKey())));
            }
            counters.appendTo(sb, "  ");
        }

        if (!stats.bins().isEmpty()) {
            sb.append("size classes (blocks):\n");
            TextTable bins = new TextTable().row("bin", "block size", "peak", "total", "freed", "current",
                    "live bytes", "pages");
            for (AllocatorStats.Bin b : stats.bins()) {
                Count c = b.blocks();
                bins.row(Integer.toString(b.bin()), HumanUnits.bytes(b.blockSize()), HumanUnits.count(c.peak()),
                        HumanUnits.count(c.allocated()), HumanUnits.count(c.freed()), HumanUnits.count(c.current()),
                        HumanUnits.bytes(b.bytes()), Long.toString(b.pages()));
            }
            bins.appendTo(sb, "  ");
        }

        long resident = stats.resident();
        if (resident >= 0) {
            sb.append("memory:\n");
            new TextTable().row("resident:", HumanUnits.bytes(resident) + " (of committed "
                    + HumanUnits.bytes(stats.committed()) + "; OS estimate)").appendTo(sb, "  ");
        }

        OsPrimitives.ProcessInfo p = stats.process();
        if (p != null) {
            sb.append("process:\n");
            TextTable process = new TextTable()
                    .row("elapsed:", seconds(p.elapsedMillis()))
                    .row("user:", seconds(p.userMillis()))
                    .row("system:", seconds(p.systemMillis()))
                    .row("rss:", known(p.currentRss()))
                    .row("peak rss:", known(p.peakRss()));
            if (p.currentCommit() >= 0) {
                process.row("commit:", known(p.currentCommit())).row("peak commit:", known(p.peakCommit()));
            }
            process.row("page faults:", p.pageFaults() < 0 ? "n/a" : Long.toString(p.pageFaults()));
            process.appendTo(sb, "  ");
        }
        return sb.toString();
    }

    /** The named counts, or for an implementation without them the five figures of the contract. */
    static Map<String, Count> countsOf(AllocatorStats stats) {
        if (!stats.counts().isEmpty()) {
            return stats.counts();
        }
        Map<String, Count> m = new LinkedHashMap<>();
        m.put("reserved", Count.of(stats.reserved(), stats.reserved()));
        m.put("committed", Count.of(stats.committed(), stats.committed()));
        m.put("allocated", Count.of(stats.allocated(), stats.allocatedPeak()));
        m.put("blocks", Count.of(stats.allocationCount(), stats.allocationCount()));
        return m;
    }

    /** {@code mmap_calls} as {@code mmap calls}. */
    static String label(String key) {
        return key.replace('_', ' ');
    }

    private static String amount(long n, boolean bytes) {
        return bytes ? HumanUnits.bytes(n) : HumanUnits.count(n);
    }

    private static String known(long bytes) {
        return bytes < 0 ? "n/a" : HumanUnits.bytes(bytes);
    }

    private static String seconds(long millis) {
        return millis < 0 ? "n/a" : String.format(Locale.ROOT, "%d.%03d s", millis / 1000, millis % 1000);
    }
}
