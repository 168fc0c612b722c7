package dev.nalloc.core.heap;

import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.page.PageHooks;
import dev.nalloc.core.segment.AbandonedSegments;
import dev.nalloc.core.segment.SegmentMemory;

/** What heaps need from their allocator instance. */
public interface HeapContext {

    /** The allocator instance (segment owner identity). */
    Object allocatorIdentity();

    SegmentMemory segments();

    Reporter reporter();

    /** Generic allocations between two light collections (option {@code generic_collect}). */
    long genericCollectInterval();

    /** The calling thread's data in this instance (created on first use). */
    ThreadData currentThreadData();

    /** True once the instance is closed (its memory is gone). */
    default boolean isClosed() {
        return false;
    }

    /**
     * An arena of the thread of {@code tld} closed after the thread called {@code threadDone}:
     * retires the data when no arena of it is open any more.
     */
    default void arenaClosedAfterThreadDone(ThreadData tld) {
    }

    /** Called when a heap is made. */
    void heapCreated(LocalHeap heap);

    /** Purges arena memory (a forced collection). */
    void purgeArenas();

    /** The page hooks of a CHECKED or SECURE instance, or null (FAST: pages have plain links). */
    default PageHooks pageHooks() {
        return null;
    }
    /** The instance's abandoned segments. */
    AbandonedSegments abandoned();

    /** Option {@code max_segment_reclaim}: percent of the abandoned segments one allocation may look at. */
    long maxSegmentReclaim();

    /** Option {@code abandoned_page_purge}: free spans of abandoned segments are purged at once. */
    boolean abandonedPagePurge();

    /** Abandons the segments of threads that ended without {@code threadDone} (any thread). */
    void reapDeadThreads();

    /** Statistics: a segment was abandoned. */
    void segmentAbandoned();

    /** Statistics: an abandoned segment was taken over by a thread. */
    void segmentReclaimed();

    /** Statistics: an abandoned segment was given back once empty. */
    void abandonedSegmentFreed();

    /** Statistics: a thread's data was retired (threadDone, or found dead); its counters move to the instance's. */
    void retireThread(dev.nalloc.core.stats.ThreadCounters counters);

    /**
     * A point where mimalloc calls the deferred free function ({@code _mi_deferred_free}): every
     * 100 generic allocations and at every collection, on the owner thread of {@code tld}.
     */
    default void deferredFree(ThreadData tld, boolean force) {
    }

    /** Option {@code target_segments_per_thread} now (0: no target). */
    default long targetSegmentsPerThread() {
        return 0;
    }
}
