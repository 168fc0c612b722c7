package dev.nalloc.api;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;

/**
 * An immutable set of option values. {@link #fromEnvironment()} reads {@code NALLOC_<NAME>} and
 * {@code nalloc.<name>} (the property wins); a malformed value is logged as a warning that names
 * the option, the bad value and the accepted form, and the default is kept.
 */
public final class OptionValues {

    /** Made on first warning: SLF4J (and its binding) starts only when something is logged. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(OptionValues.class);
    }
    private static final Option[] OPTIONS = Option.values();

    private final long[] values;
    private final boolean[] explicit;

    private OptionValues(long[] values, boolean[] explicit) {
        this.values = values;
        this.explicit = explicit;
    }

    /** {@return every option at its default} */
    public static OptionValues defaults() {
        long[] v = new long[OPTIONS.length];
        for (Option o : OPTIONS) {
            v[o.ordinal()] = o.defaultValue();
        }
        return new OptionValues(v, new boolean[OPTIONS.length]);
    }

    /**
     * {@return the options as this process's environment variables and system properties set them}
     * A malformed value is logged and the default kept.
     */
    public static OptionValues fromEnvironment() {
        return from(System::getenv, System::getProperty);
    }

    /**
     * The options as the given lookups set them: {@code environment} is asked for
     * {@code NALLOC_<NAME>}, {@code properties} for {@code nalloc.<name>} (which wins).
     *
     * @param environment looks up an environment variable, null when unset
     * @param properties  looks up a system property, null when unset
     * @return the values; a malformed value is logged and the default kept
     */
    public static OptionValues from(Function<String, String> environment, Function<String, String> properties) {
        OptionValues result = defaults();
        for (Option o : OPTIONS) {
            String source = o.systemProperty();
            String text = properties.apply(source);
            if (text == null) {
                source = o.environmentVariable();
                text = environment.apply(source);
            }
            if (text == null) {
                continue;
            }
            try {
                result.values[o.ordinal()] = o.parse(text);
                result.explicit[o.ordinal()] = true;
            } catch (RuntimeException e) {
                Log.LOG.warn("nalloc: option {} ({}) has the malformed value '{}'; expected {}; keeping the default {}",
                        o.optionName(), source, text, o.acceptedForm(), o.defaultValue());
            }
        }
        return result;
    }

    /**
     * {@return a copy with some values replaced} They count as explicitly set.
     *
     * @param overrides the new values
     */
    public OptionValues with(Map<Option, Long> overrides) {
        long[] v = values.clone();
        boolean[] e = explicit.clone();
        overrides.forEach((o, value) -> {
            v[o.ordinal()] = value;
            e[o.ordinal()] = true;
        });
        return new OptionValues(v, e);
    }

    /**
     * {@return the option's value}
     *
     * @param option the option
     */
    public long get(Option option) {
        return values[option.ordinal()];
    }

    /**
     * {@return true when the option's value is not 0} (for boolean options)
     *
     * @param option the option
     */
    public boolean isEnabled(Option option) {
        return values[option.ordinal()] != 0;
    }

    /**
     * {@return true when the value was set (environment, property or builder) rather than defaulted}
     *
     * @param option the option
     */
    public boolean isExplicit(Option option) {
        return explicit[option.ordinal()];
    }

    /** {@return the mode the option {@code mode} names} {@link Mode#FAST} for an ordinal out of range. */
    public Mode mode() {
        long m = get(Option.MODE);
        Mode[] modes = Mode.values();
        return m >= 0 && m < modes.length ? modes[(int) m] : Mode.FAST;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OptionValues other && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("OptionValues{");
        for (Option o : OPTIONS) {
            if (sb.length() > 13) {
                sb.append(", ");
            }
            sb.append(o.optionName()).append('=').append(values[o.ordinal()]);
        }
        return sb.append('}').toString();
    }
}
