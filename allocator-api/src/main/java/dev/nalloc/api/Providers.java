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

    static Allocator global() {
        return Global.INSTANCE;
    }

    /** Lazy holder: the global allocator is built on first use. */
    private static final class Global {
        static final Allocator INSTANCE = create();

        private static Allocator create() {
            OptionValues values = OptionValues.fromEnvironment();
            Mode mode = values.mode();
            return provider().create(new AllocatorConfig(OsPrimitives.best(), values, mode, null, null, null, null,
                    "global", true));
        }
    }
}
