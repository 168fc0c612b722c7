package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.spi.AllocatorConfig;
import dev.nalloc.spi.AllocatorListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The {@link AllocatorListener}s found with {@link ServiceLoader} (once, on the first build), told
 * about every instance built; what they return runs when the instance closes. A listener that
 * throws is logged and skipped: monitoring never stops an allocator from being built or closed.
 */
final class Listeners {

    /** Made on the first message: SLF4J (and its binding, ~8 MiB of RSS for Logback) starts only when something is logged. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger("dev.nalloc");
    }

    private Listeners() {
    }

    private static final class Found {
        static final List<AllocatorListener> ALL = load();

        private static List<AllocatorListener> load() {
            List<AllocatorListener> list = new ArrayList<>();
            try {
                for (AllocatorListener l : ServiceLoader.load(AllocatorListener.class, Listeners.class.getClassLoader())) {
                    list.add(l);
                }
            } catch (java.util.ServiceConfigurationError e) {
                Log.LOG.warn("nalloc: could not load an allocator listener: {}", e.toString());
            }
            return List.copyOf(list);
        }
    }

    /** Tells every listener that {@code allocator} was built; returns what to run at its close. */
    static List<Runnable> built(Allocator allocator, AllocatorConfig config) {
        List<Runnable> atClose = new ArrayList<>();
        for (AllocatorListener l : Found.ALL) {
            try {
                Runnable r = l.built(allocator, config);
                if (r != null) {
                    atClose.add(r);
                }
            } catch (RuntimeException | LinkageError e) {
                Log.LOG.warn("nalloc: allocator listener {} failed for {}: {}", l.getClass().getName(), allocator, e.toString());
            }
        }
        return atClose;
    }

    /** Runs what the listeners asked for at close, last registered first. */
    static void closed(List<Runnable> atClose, Allocator allocator) {
        for (int i = atClose.size() - 1; i >= 0; i--) {
            try {
                atClose.get(i).run();
            } catch (RuntimeException | LinkageError e) {
                Log.LOG.warn("nalloc: allocator listener failed at the close of {}: {}", allocator, e.toString());
            }
        }
    }
}
