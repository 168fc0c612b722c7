package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.spi.AllocatorConfig;
import dev.nalloc.spi.AllocatorProvider;

/** Nalloc's engine, found by {@link java.util.ServiceLoader} (module path and class path). */
public final class NallocProvider implements AllocatorProvider {

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Allocator create(AllocatorConfig config) {
        return new NallocAllocator(config);
    }
}
