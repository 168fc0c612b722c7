package dev.nalloc.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The workload rows and the headline rows as CSV (RFC 4180 quoting). */
public final class CsvReport {

    public static final String HEADER = "workload,allocator,status,relative_time,relative_memory,ns_per_op,seconds,"
            + "operations,peak_rss_bytes,start_rss_bytes,peak_commit_bytes,heap_held_bytes,heap_peak_bytes,detail,message";
    public static final String HEADLINE_HEADER = "allocator,benchmark,ns_per_op,error,bytes_per_op";

    private CsvReport() {
    }

    public static String workloads(BenchReport report) {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        Comparison c = report.comparison();
        for (String workload : c.workloads()) {
            for (Comparison.Row row : c.rows(workload)) {
                RunRecord r = row.record();
                csv.append(String.join(",", quote(workload), quote(r.peer()), r.status(), number(row.relativeTime()),
                        number(row.relativeMemory()), number(r.nanosPerOperation()),
                        r.ok() ? number(r.seconds()) : "", String.valueOf(r.operations()),
                        String.valueOf(r.peakRssBytes()), String.valueOf(r.startRssBytes()),
                        String.valueOf(r.peakCommitBytes()), String.valueOf(r.heapHeldBytes()),
                        String.valueOf(r.heapPeakBytes()), quote(r.detail()), quote(r.message()))).append('\n');
            }
        }
        return csv.toString();
    }

    public static String headline(BenchReport report) {
        StringBuilder csv = new StringBuilder(HEADLINE_HEADER).append('\n');
        for (HeadlineRow r : report.headline()) {
            csv.append(String.join(",", quote(r.peer()), quote(r.benchmark()), number(r.nanosPerOp()), number(r.error()),
                    number(r.bytesPerOp()))).append('\n');
        }
        return csv.toString();
    }

    public static void write(BenchReport report, Path workloadsFile, Path headlineFile) throws IOException {
        Files.writeString(workloadsFile, workloads(report));
        Files.writeString(headlineFile, headline(report));
    }

    static String number(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%.6g", d) : "";
    }

    static String quote(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
