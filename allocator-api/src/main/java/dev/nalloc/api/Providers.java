package dev.nalloc.api;

import dev.nalloc.spi.AllocatorConfig;
import dev.nalloc.spi.AllocatorProvider;
import dev.nalloc.spi.OsPrimitives;

import java.util.Comparator;
import java.util.ServiceLoader;

/** Finds the engine and holds the global allocator. */
final class Providers {

    private Providers() {
    }

    static AllocatorProvider provider() {
        return ServiceLoader.load(AllocatorProvider.class, Providers.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .max(Comparator.comparingInt(AllocatorProvider::priority))
                .orElseThrow(() -> new IllegalStateException(
                        "no Nalloc engine found: add the artifact dev.nalloc:allocator-core to the class path or module path"));
    }

    private static volatile Allocator global;

    /**
     * The global allocator, built on first use. Not a class-initialization holder: a missing
     * engine or OS layer must surface as the documented {@link IllegalStateException} (every
     * time it is asked), not as an {@code ExceptionInInitializerError} followed by
     * {@code NoClassDefFoundError}s.
     */
    static Allocator global() {
        Allocator a = global;
        return a != null ? a : createGlobal();
    }

    private static synchronized Allocator createGlobal() {
        if (global == null) {
            OptionValues values = OptionValues.fromEnvironment();
            Mode mode = values.mode();
            AllocatorProvider engine = provider();
            global = engine.create(new AllocatorConfig(OsPrimitives.best(), values, mode, null, null, null, null,
                    "global", true));
        }
        return global;
    }
}
