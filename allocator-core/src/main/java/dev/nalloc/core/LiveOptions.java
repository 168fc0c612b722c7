package dev.nalloc.core;

import dev.nalloc.api.Option;
import dev.nalloc.api.OptionValues;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * An instance's options as they are now (mimalloc's option table with {@code mi_option_get} and
 * {@code mi_option_set}): the values it was built with, of which the runtime ones
 * ({@link Option#isRuntime()}) may change. Reads are plain volatile loads, made where an option
 * acts (slow paths only); a change is visible to every thread from its next read.
 */
final class LiveOptions {

    private final OptionValues built;
    private final AtomicLongArray values;
    /** The values changed since the instance was built (guarded by {@code this}). */
    private final Map<Option, Long> changed = new EnumMap<>(Option.class);

    LiveOptions(OptionValues built) {
        this.built = built;
        Option[] all = Option.values();
        this.values = new AtomicLongArray(all.length);
        for (Option o : all) {
            values.set(o.ordinal(), built.get(o));
        }
    }

    long get(Option option) {
        return values.get(option.ordinal());
    }

    boolean isEnabled(Option option) {
        return get(option) != 0;
    }

    /** Every value now, as one snapshot. */
    synchronized OptionValues snapshot() {
        return changed.isEmpty() ? built : built.with(changed);
    }

    /**
     * Sets a runtime option after checking the value fits its kind.
     *
     * @throws IllegalArgumentException when the option is fixed at build or the value is not of its kind
     */
    synchronized void set(Option option, long value) {
        Objects.requireNonNull(option, "option");
        if (!option.isRuntime()) {
            throw new IllegalArgumentException("nalloc: option " + option.optionName()
                    + " is fixed when an allocator is built; only these change at run time: " + runtimeNames());
        }
        String bad = switch (option.kind()) {
            case BOOLEAN -> value == 0 || value == 1 ? null : "0 or 1";
            case SIZE -> value >= 0 ? null : "a byte count of at least 0";
            case MILLIS -> value >= -1 ? null : "milliseconds, at least -1 (never)";
            default -> null;
        };
        if (bad != null) {
            throw new IllegalArgumentException("nalloc: option " + option.optionName() + " takes " + bad + ", not " + value);
        }
        values.set(option.ordinal(), value);
        changed.put(option, value);
    }

    private static String runtimeNames() {
        StringBuilder sb = new StringBuilder();
        for (Option o : Option.values()) {
            if (o.isRuntime()) {
                sb.append(sb.isEmpty() ? "" : ", ").append(o.optionName());
            }
        }
        return sb.toString();
    }
}
