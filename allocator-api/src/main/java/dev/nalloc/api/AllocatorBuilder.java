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

    /**
     * Uses these OS primitives instead of the best supported one found with ServiceLoader.
     *
     * @param os the OS layer
     * @return this builder
     */
    public AllocatorBuilder os(OsPrimitives os) {
        this.os = Objects.requireNonNull(os, "os");
        return this;
    }

    /**
     * Uses the OS primitives provider with this {@link OsPrimitives#name() name}.
     *
     * @param name the provider's name, e.g. {@code linux}
     * @return this builder
     * @throws IllegalStateException when no provider has the name
     */
    public AllocatorBuilder os(String name) {
        return os(OsPrimitives.named(name));
    }

    /**
     * Sets an option (overrides the environment).
     *
     * @param option the option
     * @param value  its value: booleans are 0/1, sizes bytes, modes ordinals
     * @return this builder
     */
    public AllocatorBuilder option(Option option, long value) {
        options.put(Objects.requireNonNull(option, "option"), value);
        return this;
    }

    /**
     * Sets the mode (overrides the option {@code mode}).
     *
     * @param mode the mode
     * @return this builder
     */
    public AllocatorBuilder mode(Mode mode) {
        this.mode = Objects.requireNonNull(mode, "mode");
        return this;
    }

    /**
     * Sets where detected misuse, corruption and OS failures are reported (default: the engine's,
     * which throws {@link AllocatorMisuseException} for misuse and logs OS failures).
     *
     * @param handler the handler
     * @return this builder
     */
    public AllocatorBuilder errorHandler(ErrorHandler handler) {
        this.errorHandler = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /**
     * Sets when freed memory is purged (default: the options {@code purge_delay} and
     * {@code purge_decommits}).
     *
     * @param policy the policy
     * @return this builder
     */
    public AllocatorBuilder purgePolicy(PurgePolicy policy) {
        this.purgePolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /**
     * Sets which threads get a heap of their own (default: platform threads do, virtual threads
     * share a few heaps).
     *
     * @param policy the policy
     * @return this builder
     */
    public AllocatorBuilder heapSelectionPolicy(HeapSelectionPolicy policy) {
        this.heapSelectionPolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /**
     * Sets how SECURE mode encodes free-list links (default: the engine's keyed encoding; FAST
     * mode refuses any encoding but {@link FreeListEncoding#PLAIN}).
     *
     * @param encoding the encoding
     * @return this builder
     */
    public AllocatorBuilder freeListEncoding(FreeListEncoding encoding) {
        this.freeListEncoding = Objects.requireNonNull(encoding, "encoding");
        return this;
    }

    /**
     * Names the instance (statistics, JMX); a unique name is chosen otherwise.
     *
     * @param name the name
     * @return this builder
     */
    public AllocatorBuilder name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /**
     * Sets whether unset options are read from the environment and system properties (default true).
     *
     * @param read read them
     * @return this builder
     */
    public AllocatorBuilder readEnvironment(boolean read) {
        this.readEnvironment = read;
        return this;
    }

    /**
     * {@return the configuration this builder describes} Defaults are filled in, except the
     * engine's own (null policies and handler).
     *
     * @throws IllegalStateException when no OS layer was given and none found is supported
     */
    public AllocatorConfig config() {
        OptionValues base = readEnvironment ? OptionValues.fromEnvironment() : OptionValues.defaults();
        OptionValues values = base.with(options);
        Mode m = mode != null ? mode : values.mode();
        values = values.with(Map.of(Option.MODE, (long) m.ordinal()));
        return new AllocatorConfig(os != null ? os : OsPrimitives.best(), values, m, errorHandler,
                purgePolicy, heapSelectionPolicy, freeListEncoding, name, false);
    }

    /**
     * {@return a new allocator, made by the engine found with ServiceLoader}
     *
     * @throws IllegalStateException when no engine or no supported OS layer is found (the message
     *                               names the artifact to add)
     */
    public Allocator build() {
        return Providers.provider().create(config());
    }
}
