package dev.nalloc.core.stats;

import dev.nalloc.api.AllocatorStats;
import dev.nalloc.spi.OsPrimitives;

import java.util.Map;

/**
 * Writes the statistics JSON document (schema {@code nalloc-stats/1}; the schema file ships in
 * {@code allocator-stats}, every field is described in docs/statistics.md). Compact, one line,
 * field order stable.
 */
final class StatsJsonWriter {

    private StatsJsonWriter() {
    }

    static String write(StatsSnapshot s) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("{\"schema\":");
        string(sb, StatsSnapshot.SCHEMA);
        sb.append(",\"name\":");
        string(sb, s.name());
        sb.append(",\"reserved\":").append(s.reserved());
        sb.append(",\"committed\":").append(s.committed());
        sb.append(",\"osCommitted\":").append(s.osCommitted());
        sb.append(",\"resident\":").append(s.resident());
        sb.append(",\"allocated\":").append(s.allocated());
        sb.append(",\"allocatedPeak\":").append(s.allocatedPeak());
        sb.append(",\"allocationCount\":").append(s.allocationCount());
        sb.append(",\"counts\":{");
        boolean first = true;
        for (Map.Entry<String, AllocatorStats.Count> e : s.counts().entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            string(sb, e.getKey());
            sb.append(':');
            count(sb, e.getValue());
        }
        sb.append("},\"counters\":{");
        first = true;
        for (Map.Entry<String, Long> e : s.counters().entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            string(sb, e.getKey());
            sb.append(':').append(e.getValue());
        }
        sb.append("},\"bins\":[");
        first = true;
        for (AllocatorStats.Bin b : s.bins()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append("{\"bin\":").append(b.bin()).append(",\"blockSize\":").append(b.blockSize())
                    .append(",\"pages\":").append(b.pages()).append(",\"blocks\":");
            count(sb, b.blocks());
            sb.append('}');
        }
        sb.append(']');
        OsPrimitives.ProcessInfo p = s.process();
        if (p != null) {
            sb.append(",\"process\":{\"elapsedMillis\":").append(p.elapsedMillis())
                    .append(",\"userMillis\":").append(p.userMillis())
                    .append(",\"systemMillis\":").append(p.systemMillis())
                    .append(",\"currentRss\":").append(p.currentRss())
                    .append(",\"peakRss\":").append(p.peakRss())
                    .append(",\"currentCommit\":").append(p.currentCommit())
                    .append(",\"peakCommit\":").append(p.peakCommit())
                    .append(",\"pageFaults\":").append(p.pageFaults()).append('}');
        }
        return sb.append('}').toString();
    }

    private static void count(StringBuilder sb, AllocatorStats.Count c) {
        sb.append("{\"current\":").append(c.current()).append(",\"peak\":").append(c.peak())
                .append(",\"allocated\":").append(c.allocated()).append(",\"freed\":").append(c.freed()).append('}');
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
