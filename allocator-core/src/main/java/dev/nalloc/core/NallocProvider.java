package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.spi.AllocatorConfig;
import dev.nalloc.spi.AllocatorProvider;

/** Nalloc's engine, found by {@link java.util.ServiceLoader} (module path and class path). */
public final class NallocProvider implements AllocatorProvider {

    @Override
    public int priority() {
        return 100;
    }

    /**
     * Builds an instance. {@link Mode#CHECKED} and {@link Mode#SECURE} are refused (whether they came
     * from the builder or from the {@code mode} option) until their checks exist: running them with
     * FAST behaviour would silently give no protection.
     *
     * @throws UnsupportedOperationException for a mode other than FAST
     */
    @Override
    public Allocator create(AllocatorConfig config) {
        requireImplemented(config.mode());
        return new NallocAllocator(config);
    }

    static void requireImplemented(Mode mode) {
        if (mode != Mode.FAST) {
            throw new UnsupportedOperationException("nalloc: mode " + mode + " is not implemented yet; use FAST");
        }
    }
}
