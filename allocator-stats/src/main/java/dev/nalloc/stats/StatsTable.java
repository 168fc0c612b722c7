package dev.nalloc.stats;

import dev.nalloc.api.AllocatorStats;

/**
 * A human table of a statistics snapshot, with aligned columns and human units, in the manner of
 * mimalloc's {@code mi_stats_print}.
 */
public final class StatsTable {

    private StatsTable() {
    }

    /** The snapshot as a table: one row per figure, the exact value beside the human one. */
    public static String render(AllocatorStats stats) {
        String[][] rows = {
                {"reserved", HumanUnits.bytes(stats.reserved()), Long.toString(stats.reserved())},
                {"committed", HumanUnits.bytes(stats.committed()), Long.toString(stats.committed())},
                {"allocated", HumanUnits.bytes(stats.allocated()), Long.toString(stats.allocated())},
                {"allocated peak", HumanUnits.bytes(stats.allocatedPeak()), Long.toString(stats.allocatedPeak())},
                {"live blocks", HumanUnits.count(stats.allocationCount()), Long.toString(stats.allocationCount())},
        };
        String[] header = {"figure", "amount", "exact"};
        int[] width = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            width[c] = header[c].length();
            for (String[] row : rows) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        appendRow(sb, header, width);
        sb.append("-".repeat(width[0])).append("  ").append("-".repeat(width[1])).append("  ")
                .append("-".repeat(width[2])).append('\n');
        for (String[] row : rows) {
            appendRow(sb, row, width);
        }
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, String[] row, int[] width) {
        sb.append(pad(row[0], width[0], false)).append("  ")
                .append(pad(row[1], width[1], true)).append("  ")
                .append(pad(row[2], width[2], true)).append('\n');
    }

    private static String pad(String s, int width, boolean right) {
        String spaces = " ".repeat(width - s.length());
        return right ? spaces + s : s + spaces;
    }
}
