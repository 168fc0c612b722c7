package dev.nalloc.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Option;
import dev.nalloc.spi.AllocatorConfig;
import dev.nalloc.spi.AllocatorListener;

/**
 * Registers every allocator instance as the MBean {@code dev.nalloc:type=Allocator,name=<name>}
 * when it is built and unregisters it when it closes, unless option {@code jmx} is off. Found by
 * the engine with {@link java.util.ServiceLoader} (this module {@code provides} it, and lists it in
 * {@code META-INF/services} for the class path); nothing to call. Two open instances of the same
 * name get {@code <name>} and {@code <name>-2}.
 */
public final class JmxRegistration implements AllocatorListener {

    /** For {@link java.util.ServiceLoader}. */
    public JmxRegistration() {
    }

    @Override
    public Runnable built(Allocator allocator, AllocatorConfig config) {
        if (!config.options().isEnabled(Option.JMX)) {
            return null;
        }
        AllocatorMBeans.Registration r = AllocatorMBeans.registerAutomatically(allocator, allocator.stats().name());
        return r == null ? null : r::close;
    }
}
