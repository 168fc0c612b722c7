package dev.nalloc.spi;

import dev.nalloc.api.Allocator;

/**
 * The engine behind {@link Allocator#global()} and {@link Allocator#builder()}, found with
 * {@link java.util.ServiceLoader}; {@code allocator-core} provides it. The highest priority wins.
 */
public interface AllocatorProvider {

    /** Higher wins when several engines are on the path. */
    default int priority() {
        return 0;
    }

    /**
     * Creates an allocator for this configuration. When {@link AllocatorConfig#global()} is true
     * the result is the process-wide allocator: its {@code close()} throws
     * {@link UnsupportedOperationException}.
     */
    Allocator create(AllocatorConfig config);
}
