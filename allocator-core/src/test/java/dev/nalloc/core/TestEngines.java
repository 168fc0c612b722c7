package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.segment.AbandonedSegments;

/**
 * The engine behind a test's allocator, for the tests of engine classes in their own packages
 * ({@code heap}, {@code segment}, ...), which cannot reach this package's types themselves.
 */
public final class TestEngines {

    private TestEngines() {
    }

    /** The calling thread's default heap in {@code a}'s engine, made on first use. */
    public static LocalHeap ownHeap(Allocator a) {
        return ((NallocAllocator) a).engine().ownHeap();
    }

    /** The abandoned segments of {@code a}'s engine. */
    public static AbandonedSegments abandoned(Allocator a) {
        return ((NallocAllocator) a).engine().abandoned;
    }

    /** How many shared heaps (leases) {@code a}'s engine has now: it adds some when virtual threads hold all. */
    public static int leaseCount(Allocator a) {
        return ((AbstractAllocator) a).threads.leaseCount();
    }
}
