package dev.nalloc.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Finds the OS layers with {@link ServiceLoader}, safely from inside a provider's constructor: a
 * layer that delegates to the installed one ({@code super(OsPrimitives.best())} in a
 * {@link ForwardingOsPrimitives}) is itself a provider, so the lookup would construct it again, and
 * again, until the stack overflows. Provider classes under construction on the calling thread are
 * skipped instead: a layer never finds itself while it is being made.
 */
final class OsProviders {

    private static final ThreadLocal<Set<Class<?>>> CONSTRUCTING = ThreadLocal.withInitial(HashSet::new);

    private OsProviders() {
    }

    /** Every provider but those being constructed on this thread, highest priority first. */
    static List<OsPrimitives> load() {
        Set<Class<?>> constructing = CONSTRUCTING.get();
        List<OsPrimitives> found = new ArrayList<>();
        for (ServiceLoader.Provider<OsPrimitives> provider
                : ServiceLoader.load(OsPrimitives.class, OsPrimitives.class.getClassLoader()).stream().toList()) {
            Class<?> type = provider.type(); // known without constructing it
            if (!constructing.add(type)) {
                continue; // its constructor is what asked: further up this thread's stack
            }
            try {
                found.add(provider.get());
            } finally {
                constructing.remove(type);
            }
        }
        found.sort(Comparator.comparingInt(OsPrimitives::priority).reversed());
        return List.copyOf(found);
    }
}
