package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.LeakDetection;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
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
     * FAST never pays for. The {@link dev.nalloc.spi.AllocatorListener}s found with ServiceLoader then
     * learn of the instance (allocator-stats registers it with JMX). With option {@code leak_detection}
     * on, the instance is wrapped in the {@link TrackingAllocator} layer; off, it has no trace of it. A free-list encoding other than {@link FreeListEncoding#PLAIN} needs
     * CHECKED or SECURE (FAST's hot paths read plain links).
     *
     * @throws IllegalArgumentException for an encoded free list in FAST mode
     */
    @Override
    public Allocator create(AllocatorConfig config) {
        Allocator built;
        Engine engine;
        if (config.mode() == Mode.FAST) {
            NallocAllocator a = new NallocAllocator(config);
            built = a;
            engine = a.engine();
        } else {
            ModeAllocator a = ModeAllocator.of(config);
            built = a;
            engine = a.engine();
        }
        if (LeakDetection.of(config.options().get(Option.LEAK_DETECTION)) != LeakDetection.OFF) {
            built = new TrackingAllocator(built, engine); // the only place the tracking layer is made
        }
        engine.built(built);
        return built;
    }
}
