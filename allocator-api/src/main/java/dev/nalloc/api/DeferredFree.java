package dev.nalloc.api;

/**
 * A deferred free function (mimalloc's {@code mi_deferred_free_fun}), registered with
 * {@link Allocator#registerDeferredFree}: programs that free lazily (reference counting with
 * bounded work per operation, caches) free more memory when the allocator asks.
 *
 * <p>It is called on the allocating thread, deterministically after a number of allocations
 * (every 100 allocations of a heap that take the allocator's slow path, whatever memory is free),
 * and at every collection of a heap with {@code force} as the collection has it: a heap's
 * {@link Heap#collect}, the collections the engine makes itself, and {@link Allocator#collect},
 * which collects every heap of the calling thread (and the shared heaps), so a thread with several
 * heaps gets a call for each. A call never nests within another on the same thread: allocations
 * and frees it makes do not call it again. What it throws (a {@link RuntimeException}) is logged
 * (logger {@code dev.nalloc}, WARN) and ignored. The function may free and allocate with the
 * allocator, but it must not destroy or delete the heap whose allocation called it (that
 * allocation then fails with {@link IllegalStateException}).
 */
@FunctionalInterface
public interface DeferredFree {

    /**
     * Frees what the program deferred.
     *
     * @param force     true when all that can be freed should be (a forced collection)
     * @param heartbeat the calling thread's count, in this allocator, of the points where such a call is
     *                  made (counted also while none is registered): it grows from one call to the next
     *                  and is the same from run to run when the program allocates the same way
     */
    void deferredFree(boolean force, long heartbeat);
}
