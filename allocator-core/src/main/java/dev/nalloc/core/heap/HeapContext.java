package dev.nalloc.core.heap;

import dev.nalloc.api.DeferredFree;
import dev.nalloc.api.Option;
import dev.nalloc.core.arena.Arenas;
import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.page.PageHooks;
import dev.nalloc.core.segment.AbandonedSegments;
import dev.nalloc.core.segment.SegmentMemory;
import dev.nalloc.core.stats.EngineStats;
import dev.nalloc.core.stats.ThreadCounters;

import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;

/**
 * What the heaps of one allocator instance share (one per instance; every {@link ThreadData} of it
 * holds it): the instance's services of the layers below the heaps (its segments, abandoned
 * segments, arenas, error reporter, statistics, thread registry, the mode's page hooks) and the
 * deferred free function. From the allocator above, the heap layer needs only two things, handed
 * in as functions: the instance's live options (they change at run time) and whether it is closed.
 */
public final class HeapContext {

    private final Object allocatorIdentity;
    private final SegmentMemory segments;
    private final AbandonedSegments abandoned;
    private final Arenas arenas;
    private final Reporter reporter;
    private final EngineStats stats;
    private final ThreadRegistry registry;
    private final PageHooks pageHooks;
    private final ToLongFunction<Option> options;
    private final BooleanSupplier closed;
    /**
     * The instance's {@link FastSlots} salt, which own slots carry ({@link HeapSlot#salt}): set once
     * by the engine right after its lookup claimed it, before any thread's data is made.
     */
    private long salt = FastSlots.NO_SALT;
    /** The registered deferred free function, or null (see {@link #deferredFree}). */
    private volatile DeferredFree deferredFree;
    /** Set while the calling thread runs the deferred free function (per thread: a thread may use several heaps' data). */
    private final ThreadLocal<Boolean> inDeferredFree = new ThreadLocal<>();

    /**
     * @param allocatorIdentity the allocator instance (the owner identity of its segments)
     * @param pageHooks         the page hooks of a CHECKED or SECURE instance, or null (FAST: pages have plain links)
     * @param options           the instance's live option values
     * @param closed            true once the instance is closed (its memory is gone)
     */
    /** Sets the instance's salt (the engine, once, in its constructor: published with it). */
    public void setSalt(long salt) {
        this.salt = salt;
    }

    /** The instance's {@link FastSlots} salt ({@link FastSlots#NO_SALT} when it has none). */
    long salt() {
        return salt;
    }

    public HeapContext(Object allocatorIdentity, SegmentMemory segments, AbandonedSegments abandoned, Arenas arenas,
                       Reporter reporter, EngineStats stats, ThreadRegistry registry, PageHooks pageHooks,
                       ToLongFunction<Option> options, BooleanSupplier closed) {
        this.allocatorIdentity = allocatorIdentity;
        this.segments = segments;
        this.abandoned = abandoned;
        this.arenas = arenas;
        this.reporter = reporter;
        this.stats = stats;
        this.registry = registry;
        this.pageHooks = pageHooks;
        this.options = options;
        this.closed = closed;
    }

    /** The allocator instance (segment owner identity). */
    Object allocatorIdentity() {
        return allocatorIdentity;
    }

    SegmentMemory segments() {
        return segments;
    }

    Reporter reporter() {
        return reporter;
    }

    /** The instance's abandoned segments. */
    AbandonedSegments abandoned() {
        return abandoned;
    }

    /** The page hooks of a CHECKED or SECURE instance, or null (FAST: pages have plain links). */
    PageHooks pageHooks() {
        return pageHooks;
    }

    /** True once the instance is closed (its memory is gone). */
    boolean isClosed() {
        return closed.getAsBoolean();
    }

    // ------------------------------------------------------------------ the live options

    /** Generic allocations between two light collections (option {@code generic_collect}). */
    long genericCollectInterval() {
        return Math.max(1, options.applyAsLong(Option.GENERIC_COLLECT));
    }

    /** Option {@code max_segment_reclaim}: percent of the abandoned segments one allocation may look at. */
    long maxSegmentReclaim() {
        return options.applyAsLong(Option.MAX_SEGMENT_RECLAIM);
    }

    /** Option {@code abandoned_page_purge}: free spans of abandoned segments are purged at once. */
    boolean abandonedPagePurge() {
        return options.applyAsLong(Option.ABANDONED_PAGE_PURGE) != 0;
    }

    /** Option {@code target_segments_per_thread} now (0: no target). */
    long targetSegmentsPerThread() {
        return options.applyAsLong(Option.TARGET_SEGMENTS_PER_THREAD);
    }

    // ------------------------------------------------------------------ arenas, threads, statistics

    /** Purges arena memory (a forced collection). */
    void purgeArenas() {
        arenas.tryPurge(true);
    }

    /** Abandons the segments of threads that ended without {@code threadDone} (any thread). */
    void reapDeadThreads() {
        registry.reapDead();
    }

    /**
     * An arena of the thread of {@code tld} closed after the thread called {@code threadDone}:
     * retires the data when no arena of it is open any more.
     */
    void arenaClosedAfterThreadDone(ThreadData tld) {
        if (tld.retireAfterArenaClose()) {
            registry.retire(tld);
            reporter.flush();
        }
    }

    /** Statistics: a segment was abandoned. */
    void segmentAbandoned() {
        stats.segmentAbandoned();
    }

    /** Statistics: an abandoned segment was taken over by a thread. */
    void segmentReclaimed() {
        stats.segmentReclaimed();
    }

    /** Statistics: an abandoned segment was given back once empty. */
    void abandonedSegmentFreed() {
        stats.abandonedSegmentFreed();
    }

    /** Statistics: a thread's data was retired (threadDone, or found dead); its counters move to the instance's. */
    void retireThread(ThreadCounters counters) {
        stats.retireThread(counters);
    }

    // ------------------------------------------------------------------ the deferred free function

    /** Registers the deferred free function (null: none). */
    public void registerDeferredFree(DeferredFree fn) {
        this.deferredFree = fn;
    }

    /**
     * A point where mimalloc calls the deferred free function ({@code _mi_deferred_free}): every
     * 100 generic allocations and at every collection, on the owner thread of {@code tld}. Counts a
     * heartbeat of {@code tld} and calls the registered function, unless a call is in progress on
     * this thread already; what it throws is logged and dropped (the allocation or collection that
     * called it goes on).
     */
    void deferredFree(ThreadData tld, boolean force) {
        long heartbeat = ++tld.heartbeat;
        DeferredFree fn = deferredFree;
        if (fn == null || inDeferredFree.get() != null) {
            return;
        }
        inDeferredFree.set(Boolean.TRUE);
        try {
            fn.deferredFree(force, heartbeat);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger("dev.nalloc").warn("nalloc: the deferred free function threw; ignored", e);
        } finally {
            inDeferredFree.remove();
        }
    }
}
