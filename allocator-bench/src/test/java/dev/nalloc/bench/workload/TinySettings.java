package dev.nalloc.bench.workload;

import java.util.Map;

/** Workload settings small enough for unit tests (milliseconds per run), per workload. */
public final class TinySettings {

    private TinySettings() {
    }

    // The timed workloads get 0.25 s: their clock starts before their threads do, and on a loaded
    // 2-core machine a 50 ms window sometimes closed before any worker ran (zero operations).
    private static final Map<String, Map<String, String>> PARAMS = Map.ofEntries(
            Map.entry("larson", Map.of("chunks", "200", "rounds", "2", "seconds", "0.25")),
            Map.entry("larson-sized", Map.of("chunks", "200", "rounds", "2", "seconds", "0.25")),
            Map.entry("mstress", Map.of("scale", "5", "iterations", "2")),
            Map.entry("xmalloc-test", Map.of("seconds", "0.25")),
            Map.entry("cache-scratch", Map.of("iterations", "20", "repetitions", "2000")),
            Map.entry("cache-thrash", Map.of("iterations", "20", "repetitions", "2000")),
            Map.entry("alloc-test", Map.of("iterations", "40000", "slots", "512")),
            Map.entry("glibc-simple", Map.of("iterations", "4000")),
            Map.entry("glibc-thread", Map.of("seconds", "0.25")),
            Map.entry("rptest", Map.of("loops", "30")),
            Map.entry("malloc-large", Map.of("iterations", "12", "min-mib", "1", "max-mib", "1")),
            Map.entry("mleak", Map.of("rounds", "3")));

    /** Two threads, the workload's tiny parameters. */
    public static WorkloadSettings of(String workload) {
        WorkloadSettings s = new WorkloadSettings(2, 1.0, 4141, Map.of());
        for (Map.Entry<String, String> e : PARAMS.getOrDefault(workload, Map.of()).entrySet()) {
            s = s.with(e.getKey(), e.getValue());
        }
        return s;
    }

    /** Whether every workload has tiny parameters (guards against a new workload running full size in tests). */
    public static boolean covers(String workload) {
        return PARAMS.containsKey(workload);
    }
}
