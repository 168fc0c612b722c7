package dev.nalloc.spi;

import dev.nalloc.api.Allocator;

/**
 * The engine behind {@link Allocator#global()} and {@link Allocator#builder()}, found with
 * {@link java.util.ServiceLoader}; {@code allocator-core} provides it. The highest priority wins.
 */
public interface AllocatorProvider {

    /** {@return the priority: the highest wins when several engines are on the path} 0 by default. */
    default int priority() {
        return 0;
    }

    /**
     * Creates an allocator for this configuration. When {@link AllocatorConfig#global()} is true
     * the result is the process-wide allocator: its {@code close()} throws
     * {@link UnsupportedOperationException}.
     *
     * @param config what to build
     * @return the new allocator
     */
    Allocator create(AllocatorConfig config);
}
