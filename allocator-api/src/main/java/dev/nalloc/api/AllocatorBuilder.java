package dev.nalloc.api;

import dev.nalloc.spi.AllocatorConfig;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.FreeListEncoding;
import dev.nalloc.spi.HeapSelectionPolicy;
import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.PurgePolicy;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Builds an independent {@link Allocator}. Unset parts come from the environment: options from
 * {@code NALLOC_*} / {@code nalloc.*}, the OS layer from {@link OsPrimitives#best()}, the default
 * error handler and policies from the engine.
 */
public final class AllocatorBuilder {

    private OsPrimitives os;
    private final Map<Option, Long> options = new EnumMap<>(Option.class);
    private Mode mode;
    private ErrorHandler errorHandler;
    private PurgePolicy purgePolicy;
    private HeapSelectionPolicy heapSelectionPolicy;
    private FreeListEncoding freeListEncoding;
    private String name;
    private boolean readEnvironment = true;

    AllocatorBuilder() {
    }

    /** Use these OS primitives instead of the best supported one found with ServiceLoader. */
    public AllocatorBuilder os(OsPrimitives os) {
        this.os = Objects.requireNonNull(os, "os");
        return this;
    }

    /** Use the OS primitives provider with this {@link OsPrimitives#name() name}. */
    public AllocatorBuilder os(String name) {
        return os(OsPrimitives.named(name));
    }

    /** Sets an option (overrides the environment). Booleans are 0/1, sizes bytes, modes ordinals. */
    public AllocatorBuilder option(Option option, long value) {
        options.put(Objects.requireNonNull(option, "option"), value);
        return this;
    }

    /** Sets the mode (overrides the option {@code mode}). */
    public AllocatorBuilder mode(Mode mode) {
        this.mode = Objects.requireNonNull(mode, "mode");
        return this;
    }

    /** Where detected misuse, corruption and OS failures are reported. */
    public AllocatorBuilder errorHandler(ErrorHandler handler) {
        this.errorHandler = Objects.requireNonNull(handler, "handler");
        return this;
    }

    public AllocatorBuilder purgePolicy(PurgePolicy policy) {
        this.purgePolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    public AllocatorBuilder heapSelectionPolicy(HeapSelectionPolicy policy) {
        this.heapSelectionPolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    public AllocatorBuilder freeListEncoding(FreeListEncoding encoding) {
        this.freeListEncoding = Objects.requireNonNull(encoding, "encoding");
        return this;
    }

    /** A name for the instance (statistics, JMX); a unique one is chosen otherwise. */
    public AllocatorBuilder name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /** Whether unset options are read from the environment and system properties (default true). */
    public AllocatorBuilder readEnvironment(boolean read) {
        this.readEnvironment = read;
        return this;
    }

    /** The configuration this builder describes, with defaults filled in except the engine's own. */
    public AllocatorConfig config() {
        OptionValues base = readEnvironment ? OptionValues.fromEnvironment() : OptionValues.defaults();
        OptionValues values = base.with(options);
        Mode m = mode != null ? mode : values.mode();
        values = values.with(Map.of(Option.MODE, (long) m.ordinal()));
        return new AllocatorConfig(os != null ? os : OsPrimitives.best(), values, m, errorHandler,
                purgePolicy, heapSelectionPolicy, freeListEncoding, name, false);
    }

    /** Builds the allocator with the engine found with ServiceLoader. */
    public Allocator build() {
        return Providers.provider().create(config());
    }
}
