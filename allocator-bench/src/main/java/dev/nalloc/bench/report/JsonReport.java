package dev.nalloc.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The whole report as one JSON document: machine, peers, runs with their relative figures, headline. */
public final class JsonReport {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    /** The document as plain maps and records (what gets serialized). */
    public static Map<String, Object> document(BenchReport report) {
        Comparison c = report.comparison();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("machine", report.machine());
        doc.put("command", report.command());
        doc.put("settings", report.settings());
        doc.put("baseline", c.preferredBaseline());
        doc.put("peers", report.peers());
        List<Map<String, Object>> workloads = new ArrayList<>();
        for (String workload : c.workloads()) {
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("workload", workload);
            w.put("baseline", c.baselineOf(workload).orElse(null));
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Comparison.Row row : c.rows(workload)) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("run", row.record());
                r.put("relativeTime", finiteOrNull(row.relativeTime()));
                r.put("relativeMemory", finiteOrNull(row.relativeMemory()));
                r.put("nanosPerOperation", finiteOrNull(row.record().nanosPerOperation()));
                rows.add(r);
            }
            w.put("rows", rows);
            workloads.add(w);
        }
        doc.put("workloads", workloads);
        doc.put("headline", report.headline());
        doc.put("headlineTargets", TextReport.targets(report.headline()));
        Map<String, Object> geomean = new LinkedHashMap<>();
        for (String peer : c.peers()) {
            geomean.put(peer, Map.of("time", String.valueOf(finiteOrNull(c.geometricMeanTime(peer))),
                    "memory", String.valueOf(finiteOrNull(c.geometricMeanMemory(peer)))));
        }
        doc.put("geometricMeans", geomean);
        return doc;
    }

    public static String render(BenchReport report) throws IOException {
        return MAPPER.writeValueAsString(document(report));
    }

    public static void write(BenchReport report, Path file) throws IOException {
        MAPPER.writeValue(file.toFile(), document(report));
    }

    private static Double finiteOrNull(double d) {
        return Double.isFinite(d) ? d : null;
    }
}
