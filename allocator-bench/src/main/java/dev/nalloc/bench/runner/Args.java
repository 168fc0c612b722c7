package dev.nalloc.bench.runner;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code key=value} command-line arguments (a leading {@code --} is allowed and ignored). */
public final class Args {

    private final Map<String, String> values = new LinkedHashMap<>();

    public Args(String... args) {
        for (String arg : args) {
            if (arg.isBlank()) {
                continue;
            }
            String a = arg.startsWith("--") ? arg.substring(2) : arg;
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got '" + arg + "'");
            }
            values.put(a.substring(0, eq), a.substring(eq + 1));
        }
    }

    public String get(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    /** Entries whose key starts with {@code prefix}, with the prefix removed. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }
}
