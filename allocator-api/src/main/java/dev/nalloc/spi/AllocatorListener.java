package dev.nalloc.spi;

import dev.nalloc.api.Allocator;

/**
 * Told when an allocator instance is built, and (through what it returns) when that instance
 * closes. The engine finds listeners with {@link java.util.ServiceLoader} once and tells each of
 * them about every instance it builds, the global one included. {@code allocator-stats} provides
 * one that registers every instance as the MBean {@code dev.nalloc:type=Allocator,name=<name>}
 * (option {@code jmx}, on by default) and unregisters it at close.
 *
 * <p>Listeners run on the thread that builds or closes the instance; they should be quick. An
 * exception they throw is logged as a warning and does not stop the build or the close.
 */
public interface AllocatorListener {

    /**
     * The instance has been built and is ready for use.
     *
     * @param allocator the instance, as its users see it (the same object {@code build()} returns)
     * @param config    what it was built from (its options decide, for example, whether to act)
     * @return what to run once when the instance closes (before its memory goes back to the OS),
     *         or null for nothing
     */
    Runnable built(Allocator allocator, AllocatorConfig config);
}
