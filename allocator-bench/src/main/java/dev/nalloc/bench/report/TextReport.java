package dev.nalloc.bench.report;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The report as plain-text tables for the terminal: one table per workload, relative to Nalloc. */
public final class TextReport {

    /** Headline targets from the issue. */
    public static final double TARGET_NANOS = 5.0;
    public static final double TARGET_SPEEDUP_OVER_MIMALLOC = 1.5;

    private TextReport() {
    }

    public static void write(BenchReport report, PrintStream out) {
        out.println("== Nalloc allocator comparison ==");
        out.println("Machine:  " + report.machine().summary());
        out.println("Settings: " + report.settings());
        out.println("Command:  " + report.command());
        out.println("Allocators:");
        for (PeerInfo p : report.peers()) {
            if (p.available()) {
                out.printf(Locale.ROOT, "  %-17s %s — %s%n", p.name(), p.version(), p.description());
            }
        }
        report.peers().stream().filter(p -> !p.available()).forEach(p -> out.println("  " + p.skipLine()));
        out.println();
        writeHeadline(report.headline(), out);
        Comparison c = report.comparison();
        for (String workload : c.workloads()) {
            String base = c.baselineOf(workload).orElse("none");
            boolean ran = c.rows(workload).stream().anyMatch(r -> r.record().peer().equals(c.preferredBaseline()));
            out.printf(Locale.ROOT, "%s  (relative to %s = 1.00, higher is worse%s)%n", workload, base,
                    base.equals(c.preferredBaseline()) ? ""
                            : "; " + c.preferredBaseline() + (ran ? " did not complete" : " not in this run"));
            out.printf(Locale.ROOT, "  %-17s %8s %8s %10s %9s %10s %11s %11s %10s %10s  %s%n", "allocator", "rel time",
                    "rel mem", "ns/op", "time", "ops", "peak RSS", "committed", "heap held", "heap peak", "note");
            for (Comparison.Row row : c.rows(workload)) {
                RunRecord r = row.record();
                if (r.ok()) {
                    out.printf(Locale.ROOT, "  %-17s %8s %8s %10s %8ss %10s %11s %11s %10s %10s  %s%n", r.peer(),
                            Units.ratio(row.relativeTime()), Units.ratio(row.relativeMemory()),
                            Units.decimal(r.nanosPerOperation(), 1), Units.decimal(r.seconds(), 3),
                            r.operations(), Units.bytes(r.peakRssBytes()), Units.bytes(r.peakCommitBytes()),
                            Units.bytes(r.heapHeldBytes()), Units.bytes(r.heapPeakBytes()), r.detail());
                } else {
                    out.printf(Locale.ROOT, "  %-17s %s: %s%n", r.peer(), r.status().toUpperCase(Locale.ROOT),
                            r.message());
                }
            }
            out.println();
        }
        if (!c.workloads().isEmpty()) {
            out.println("peak RSS: VmHWM of the allocator's own child JVM; committed: the allocator's own figure (peak"
                    + " of 20 ms samples); heap held: Java heap the allocator holds after the workload (live heap after a"
                    + " full GC, allocator open, minus before it was opened); heap peak: the most live heap above that"
                    + " baseline any GC left during the run (the workload's own objects included)");
            out.println("Geometric mean of relative figures over workloads (baseline " + c.preferredBaseline() + " where it completed):");
            for (String peer : c.peers()) {
                out.printf(Locale.ROOT, "  %-17s time %s   memory %s%n", peer, Units.ratio(c.geometricMeanTime(peer)),
                        Units.ratio(c.geometricMeanMemory(peer)));
            }
        }
    }

    static void writeHeadline(List<HeadlineRow> rows, PrintStream out) {
        if (rows.isEmpty()) {
            return;
        }
        out.println("Headline: 64 B malloc + free, 1 thread (JMH average time, lower is better)");
        Optional<HeadlineRow> nalloc = find(rows, "nalloc");
        out.printf(Locale.ROOT, "  %-26s %9s %8s %9s %10s%n", "allocator", "ns/op", "±", "B/op", "vs nalloc");
        for (HeadlineRow r : rows) {
            if (r.threads()) {
                continue;
            }
            out.printf(Locale.ROOT, "  %-26s %9s %8s %9s %10s%n", r.peer(), Units.decimal(r.nanosPerOp(), 2),
                    Units.decimal(r.error(), 2), r.bytesPerOp() < 0 ? "-" : Units.decimal(r.bytesPerOp(), 1),
                    nalloc.map(n -> Units.ratio(r.nanosPerOp() / n.nanosPerOp())).orElse("-"));
        }
        out.println("  " + targets(rows));
        out.println();
        writeThreads(rows, out);
    }

    /** The threads table: each benchmark's rows with the ratio of the partner's time to Nalloc's. */
    static void writeThreads(List<HeadlineRow> rows, PrintStream out) {
        List<String> benchmarks = rows.stream().filter(HeadlineRow::threads).map(HeadlineRow::benchmark).distinct().sorted().toList();
        if (benchmarks.isEmpty()) {
            return;
        }
        out.println("Threads: 64 B malloc + free per thread on 1/2/4/8 workers (pairN), on virtual threads (tasks),");
        out.println("larson's loop on a worker (churnWorker), cross-thread free (pingPong); ns/op, lower is better");
        out.printf(Locale.ROOT, "  %-12s %-30s %9s %8s %9s %12s%n", "benchmark", "allocator", "ns/op", "±", "B/op", "x nalloc");
        for (String b : benchmarks) {
            for (HeadlineRow r : rows) {
                if (r.threads() && r.benchmark().equals(b)) {
                    Optional<HeadlineRow> base = partner(rows, r);
                    out.printf(Locale.ROOT, "  %-12s %-30s %9s %8s %9s %12s%n", b, r.peer(), Units.decimal(r.nanosPerOp(), 2),
                            Units.decimal(r.error(), 2), r.bytesPerOp() < 0 ? "-" : Units.decimal(r.bytesPerOp(), 1),
                            base.map(n -> Units.ratio(r.nanosPerOp() / n.nanosPerOp())).orElse("-"));
                }
            }
        }
        out.println();
    }

    /** The Nalloc row a threads row compares with: the same benchmark on the same call path. */
    static Optional<HeadlineRow> partner(List<HeadlineRow> rows, HeadlineRow r) {
        String nalloc = r.peer().equals(HeadlineRow.MIMALLOC_STATIC) || r.peer().equals(HeadlineRow.NALLOC_STATIC)
                ? HeadlineRow.NALLOC_STATIC : "nalloc";
        return rows.stream().filter(x -> x.threads() && x.benchmark().equals(r.benchmark()) && x.peer().equals(nalloc))
                .findFirst();
    }

    /**
     * The verdict on the headline targets, one line: on the peer interface every allocator shares
     * (rows "nalloc" and "mimalloc"), then, when measured, on the call path applications use
     * (a {@code static final Allocator} against mimalloc's static downcall handles).
     */
    public static String targets(List<HeadlineRow> rows) {
        Optional<HeadlineRow> nalloc = find(rows, "nalloc");
        if (nalloc.isEmpty()) {
            return "targets: no Nalloc result (engine not available)";
        }
        StringBuilder sb = new StringBuilder("targets: ");
        verdict(sb, nalloc.get(), find(rows, "mimalloc"), true);
        Optional<HeadlineRow> direct = find(rows, HeadlineRow.NALLOC_STATIC);
        if (direct.isPresent()) {
            sb.append("; user's call path (static final Allocator): ");
            verdict(sb, direct.get(), find(rows, HeadlineRow.MIMALLOC_STATIC), false);
        }
        return sb.toString();
    }

    private static void verdict(StringBuilder sb, HeadlineRow n, Optional<HeadlineRow> mimalloc, boolean bytes) {
        sb.append(String.format(Locale.ROOT, "<= %.0f ns/op: %s (%.2f); ", TARGET_NANOS,
                n.nanosPerOp() <= TARGET_NANOS ? "met" : "NOT met", n.nanosPerOp()));
        if (n.bytesPerOp() >= 0) {
            sb.append(String.format(Locale.ROOT, "0 B/op: %s (%.2f); ", n.bytesPerOp() < 0.5 ? "met" : "NOT met",
                    n.bytesPerOp()));
        }
        if (mimalloc.isPresent()) {
            double speedup = mimalloc.get().nanosPerOp() / n.nanosPerOp();
            sb.append(String.format(Locale.ROOT, ">= %.1fx faster than mimalloc: %s (%.2fx)",
                    TARGET_SPEEDUP_OVER_MIMALLOC, speedup >= TARGET_SPEEDUP_OVER_MIMALLOC ? "met" : "NOT met",
                    speedup));
        } else {
            sb.append("mimalloc not measured");
        }
    }

    private static Optional<HeadlineRow> find(List<HeadlineRow> rows, String peer) {
        return rows.stream().filter(r -> !r.threads() && r.peer().equals(peer)).findFirst();
    }
}
