package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.spi.AllocatorConfig;
import dev.nalloc.spi.AllocatorProvider;
import dev.nalloc.spi.FreeListEncoding;

/** Nalloc's engine, found by {@link java.util.ServiceLoader} (module path and class path). */
public final class NallocProvider implements AllocatorProvider {

    @Override
    public int priority() {
        return 100;
    }

    /**
     * Builds an instance of the configured mode (from the builder or the {@code mode} option):
     * FAST is {@link NallocAllocator}; CHECKED and SECURE are {@link CheckedAllocator} and {@link SecureAllocator}, whose checks
     * FAST never pays for. A free-list encoding other than {@link FreeListEncoding#PLAIN} needs
     * CHECKED or SECURE (FAST's hot paths read plain links).
     *
     * @throws IllegalArgumentException for an encoded free list in FAST mode
     */
    @Override
    public Allocator create(AllocatorConfig config) {
        if (config.mode() == Mode.FAST) {
            return new NallocAllocator(config);
        }
        return ModeAllocator.of(config);
    }
}
