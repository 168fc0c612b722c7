package dev.nalloc.bench.workload;

import java.util.HashMap;
import java.util.Map;

/**
 * How big a workload run is. {@code scale} multiplies each workload's iteration counts and run
 * times (1.0 = the defaults sized for this 2-core machine, about a second each with glibc);
 * {@code params} overrides individual parameters by name ({@code rounds}, {@code size}, ...).
 *
 * @param threads the worker thread count (mimalloc-bench uses the processor count)
 * @param scale   multiplier of iterations and durations
 * @param seed    the random seed
 * @param params  per-parameter overrides, as {@code name -> value}
 */
public record WorkloadSettings(int threads, double scale, long seed, Map<String, String> params) {

    public WorkloadSettings {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (!(scale > 0)) {
            throw new IllegalArgumentException("scale must be > 0, got " + scale);
        }
        params = Map.copyOf(params);
    }

    /** A copy with one parameter overridden. */
    public WorkloadSettings with(String name, Object value) {
        Map<String, String> p = new HashMap<>(params);
        p.put(name, String.valueOf(value));
        return new WorkloadSettings(threads, scale, seed, p);
    }

    /** An integer parameter: the override if given, else {@code max(1, round(base * scale))}. */
    public int scaledInt(String name, int base) {
        String v = params.get(name);
        return v != null ? Integer.parseInt(v) : (int) Math.max(1, Math.round(base * scale));
    }

    /** An integer parameter that does not scale. */
    public int fixedInt(String name, int value) {
        String v = params.get(name);
        return v != null ? Integer.parseInt(v) : value;
    }

    /** A duration in nanoseconds: the override (in seconds) if given, else {@code base * scale}, at least 20 ms. */
    public long scaledNanos(String name, double baseSeconds) {
        String v = params.get(name);
        double seconds = v != null ? Double.parseDouble(v) : baseSeconds * scale;
        return (long) (Math.max(0.02, seconds) * 1e9);
    }
}
