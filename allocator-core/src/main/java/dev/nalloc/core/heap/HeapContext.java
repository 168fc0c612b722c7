package dev.nalloc.core.heap;

import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.page.PageHooks;
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

    /** Called when a heap is made. */
    void heapCreated(LocalHeap heap);

    /** Purges arena memory (a forced collection). */
    void purgeArenas();

    /** The page hooks of a CHECKED or SECURE instance, or null (FAST: pages have plain links). */
    default PageHooks pageHooks() {
        return null;
    }
}
