package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.core.arena.Arenas;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.heap.ThreadData;
import dev.nalloc.core.heap.ThreadHeaps;
import dev.nalloc.core.heap.ThreadRegistry;
import dev.nalloc.core.os.Numa;
import dev.nalloc.core.segment.AbandonedSegments;
import dev.nalloc.core.segment.SegmentMemory;
import dev.nalloc.core.stats.EngineStats;
import dev.nalloc.core.stats.StatsSnapshot;
import dev.nalloc.core.heap.HeapProbes;

/**
 * The engine behind a test's allocator, for the tests of engine classes in their own packages
 * ({@code heap}, {@code segment}, ...), which cannot reach this package's types themselves: a
 * {@link View} of its parts, named as the engine names them, in every mode.
 */
public final class TestEngines {

    private TestEngines() {
    }

    /** The parts of {@code a}'s engine (an allocator of any mode, not the tracking layer). */
    public static View of(Allocator a) {
        return new View(((AbstractAllocator) a).engine());
    }

    /** The calling thread's default heap in {@code a}'s engine, made on first use. */
    public static LocalHeap ownHeap(Allocator a) {
        return of(a).ownHeap();
    }

    /** The abandoned segments of {@code a}'s engine. */
    public static AbandonedSegments abandoned(Allocator a) {
        return of(a).abandoned;
    }

    /** How many shared heaps (leases) {@code a}'s engine has now: it adds some when virtual threads hold all. */
    public static int leaseCount(Allocator a) {
        return HeapProbes.leaseCount(((AbstractAllocator) a).threads);
    }

    /** The thread that holds {@code a}'s claimed heap slot now (every mode has one), or null. */
    public static Thread claimedOwner(Allocator a) {
        return ((AbstractAllocator) a).claimed.getPlainOwner();
    }

    /** An engine's parts, the fields named as in the engine. */
    public static final class View {

        private final Engine engine;
        public final AbandonedSegments abandoned;
        public final ThreadRegistry registry;
        public final ThreadHeaps threads;
        public final Arenas arenas;
        public final SegmentMemory segments;
        public final Numa numa;
        public final EngineStats stats;

        private View(Engine engine) {
            this.engine = engine;
            this.abandoned = engine.abandoned;
            this.registry = engine.registry;
            this.threads = engine.threads;
            this.arenas = engine.arenas;
            this.segments = engine.segments;
            this.numa = engine.numa;
            this.stats = engine.stats;
        }

        /** The calling thread's default heap, made on first use. */
        public LocalHeap ownHeap() {
            return engine.ownHeap();
        }

        /** The calling thread's data, made on first use. */
        public ThreadData currentThreadData() {
            return engine.currentThreadData();
        }

        /** The engine's statistics now. */
        public StatsSnapshot stats() {
            return engine.stats();
        }
    }
}
