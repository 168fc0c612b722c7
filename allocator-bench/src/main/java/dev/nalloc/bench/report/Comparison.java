package dev.nalloc.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Relative figures per workload, mimalloc-bench style: the baseline allocator (Nalloc) is 1.00
 * and higher is worse. Time compares time per operation, so fixed-duration workloads (which
 * count operations) and fixed-work workloads (which time them) read the same way. Memory compares
 * peak RSS of each allocator's own child JVM.
 */
public final class Comparison {

    /** One row of a workload table. */
    public record Row(RunRecord record, double relativeTime, double relativeMemory) {
    }

    private final String baseline;
    private final Map<String, List<Row>> byWorkload = new LinkedHashMap<>();
    private final Map<String, String> baselineUsed = new LinkedHashMap<>();

    /**
     * @param records  every run, in order
     * @param baseline the preferred baseline allocator ("nalloc"); when it has no successful run
     *                 in a workload, the first successful allocator of that workload stands in
     */
    public Comparison(List<RunRecord> records, String baseline) {
        this.baseline = baseline;
        Map<String, List<RunRecord>> grouped = new LinkedHashMap<>();
        for (RunRecord r : records) {
            grouped.computeIfAbsent(r.workload(), k -> new ArrayList<>()).add(r);
        }
        grouped.forEach((workload, runs) -> {
            Optional<RunRecord> base = runs.stream().filter(r -> r.ok() && r.peer().equals(baseline)).findFirst()
                    .or(() -> runs.stream().filter(RunRecord::ok).findFirst());
            base.ifPresent(b -> baselineUsed.put(workload, b.peer()));
            List<Row> rows = new ArrayList<>();
            for (RunRecord r : runs) {
                double time = Double.NaN;
                double memory = Double.NaN;
                if (base.isPresent() && r.ok()) {
                    time = r.nanosPerOperation() / base.get().nanosPerOperation();
                    if (r.peakRssBytes() > 0 && base.get().peakRssBytes() > 0) {
                        memory = (double) r.peakRssBytes() / base.get().peakRssBytes();
                    }
                }
                rows.add(new Row(r, time, memory));
            }
            byWorkload.put(workload, rows);
        });
    }

    public String preferredBaseline() {
        return baseline;
    }

    /** The allocator that is 1.00 in this workload (the preferred one unless it failed or was absent). */
    public Optional<String> baselineOf(String workload) {
        return Optional.ofNullable(baselineUsed.get(workload));
    }

    public List<String> workloads() {
        return List.copyOf(byWorkload.keySet());
    }

    public List<Row> rows(String workload) {
        return byWorkload.getOrDefault(workload, List.of());
    }

    /** Allocators in first-seen order. */
    public List<String> peers() {
        List<String> peers = new ArrayList<>();
        byWorkload.values().forEach(rows -> rows.forEach(r -> {
            if (!peers.contains(r.record().peer())) {
                peers.add(r.record().peer());
            }
        }));
        return peers;
    }

    /** Geometric mean of an allocator's relative times over the workloads it completed. */
    public double geometricMeanTime(String peer) {
        return geomean(peer, true);
    }

    public double geometricMeanMemory(String peer) {
        return geomean(peer, false);
    }

    private double geomean(String peer, boolean time) {
        double logSum = 0;
        int n = 0;
        for (List<Row> rows : byWorkload.values()) {
            for (Row r : rows) {
                double v = time ? r.relativeTime() : r.relativeMemory();
                if (r.record().peer().equals(peer) && Double.isFinite(v) && v > 0) {
                    logSum += Math.log(v);
                    n++;
                }
            }
        }
        return n == 0 ? Double.NaN : Math.exp(logSum / n);
    }
}
