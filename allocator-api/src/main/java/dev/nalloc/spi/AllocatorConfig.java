package dev.nalloc.spi;

import dev.nalloc.api.Mode;
import dev.nalloc.api.OptionValues;

import java.util.Objects;

/**
 * What an {@link AllocatorProvider} builds an allocator from. Null policies and handler mean
 * "the engine's default".
 *
 * @param os                  the OS layer
 * @param options             the option values
 * @param mode                the mode (also in {@code options} as {@code MODE})
 * @param errorHandler        where errors go, or null for the default (throw on misuse, log OS failures)
 * @param purgePolicy         when freed memory is purged, or null for the default
 * @param heapSelectionPolicy which heap a thread allocates from, or null for the default
 * @param freeListEncoding    how free-list links are stored, or null for the mode's default
 * @param name                a name for statistics and JMX, or null for a generated one
 * @param global              whether this is the process-wide allocator
 */
public record AllocatorConfig(OsPrimitives os, OptionValues options, Mode mode, ErrorHandler errorHandler,
                              PurgePolicy purgePolicy, HeapSelectionPolicy heapSelectionPolicy,
                              FreeListEncoding freeListEncoding, String name, boolean global) {
    /** The OS layer, options and mode are required. */
    public AllocatorConfig {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(mode, "mode");
    }
}
