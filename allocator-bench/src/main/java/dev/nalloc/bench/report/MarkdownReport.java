package dev.nalloc.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The report as Markdown (what docs/performance.md keeps). */
public final class MarkdownReport {

    private MarkdownReport() {
    }

    public static String render(BenchReport report) {
        StringBuilder md = new StringBuilder();
        md.append("- Machine: ").append(report.machine().summary()).append('\n');
        md.append("- Command: `").append(report.command()).append("`\n");
        md.append("- Settings: ").append(report.settings()).append("\n\n");
        md.append("| allocator | version | how |\n|---|---|---|\n");
        for (PeerInfo p : report.peers()) {
            md.append("| ").append(p.name()).append(" | ")
                    .append(p.available() ? p.version() : "skipped: " + p.skipLine()).append(" | ")
                    .append(p.description()).append(" |\n");
        }
        if (!report.headline().isEmpty()) {
            md.append("\n### Headline: 64 B malloc + free, 1 thread (JMH, ns/op, lower is better)\n\n");
            md.append("| allocator | ns/op | ± | B/op |\n|---|---:|---:|---:|\n");
            for (HeadlineRow r : report.headline()) {
                if (r.threads()) {
                    continue;
                }
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", r.peer(),
                        Units.decimal(r.nanosPerOp(), 2), Units.decimal(r.error(), 2),
                        r.bytesPerOp() < 0 ? "-" : Units.decimal(r.bytesPerOp(), 1)));
            }
            md.append('\n').append(TextReport.targets(report.headline())).append('\n');
            if (report.headline().stream().anyMatch(HeadlineRow::threads)) {
                md.append("\n### Threads: 64 B malloc + free per thread (JMH, ns/op, lower is better)\n\n");
                md.append("pairN: N platform workers, the allocator first touched on another thread; tasks: virtual-thread "
                        + "tasks of 500 pairs (10 % of blocks kept to the task's end), time per pair with every carrier "
                        + "busy; churnWorker: larson's loop on a worker; pingPong: cross-thread free between two workers. "
                        + "x nalloc: time relative to Nalloc on the same call path.\n\n");
                md.append("| benchmark | allocator | ns/op | ± | B/op | x nalloc |\n|---|---|---:|---:|---:|---:|\n");
                List<String> benchmarks = report.headline().stream().filter(HeadlineRow::threads).map(HeadlineRow::benchmark)
                        .distinct().sorted().toList();
                for (String b : benchmarks) {
                    for (HeadlineRow r : report.headline()) {
                        if (r.threads() && r.benchmark().equals(b)) {
                            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", b, r.peer(),
                                    Units.decimal(r.nanosPerOp(), 2), Units.decimal(r.error(), 2),
                                    r.bytesPerOp() < 0 ? "-" : Units.decimal(r.bytesPerOp(), 1),
                                    TextReport.partner(report.headline(), r).map(n -> Units.ratio(r.nanosPerOp() / n.nanosPerOp()))
                                            .orElse("-")));
                        }
                    }
                }
            }
        }
        Comparison c = report.comparison();
        md.append("\n### Workloads (relative to ").append(c.preferredBaseline())
                .append(" = 1.00, higher is worse)\n\n");
        md.append("| workload | allocator | rel time | rel mem | ns/op | time (s) | peak RSS | committed | heap held | heap peak | note |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (String name : c.workloads()) {
            String base = c.baselineOf(name).orElse(c.preferredBaseline());
            // a workload whose baseline had to stand in for Nalloc says so in its name cell
            String workload = base.equals(c.preferredBaseline()) ? name : name + " (vs " + base + ")";
            for (Comparison.Row row : c.rows(name)) {
                RunRecord r = row.record();
                if (r.ok()) {
                    md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                            workload, r.peer(), Units.ratio(row.relativeTime()), Units.ratio(row.relativeMemory()),
                            Units.decimal(r.nanosPerOperation(), 1), Units.decimal(r.seconds(), 3),
                            Units.bytes(r.peakRssBytes()), Units.bytes(r.peakCommitBytes()),
                            Units.bytes(r.heapHeldBytes()), Units.bytes(r.heapPeakBytes()), r.detail()));
                } else {
                    md.append(String.format(Locale.ROOT, "| %s | %s | %s | | | | | | | | %s |%n", workload, r.peer(),
                            r.status(), r.message().replace('|', '/')));
                }
            }
        }
        md.append("\n| allocator | geomean rel time | geomean rel mem |\n|---|---:|---:|\n");
        for (String peer : c.peers()) {
            md.append("| ").append(peer).append(" | ").append(Units.ratio(c.geometricMeanTime(peer))).append(" | ")
                    .append(Units.ratio(c.geometricMeanMemory(peer))).append(" |\n");
        }
        return md.toString();
    }

    public static void write(BenchReport report, Path file) throws IOException {
        Files.writeString(file, render(report));
    }
}
