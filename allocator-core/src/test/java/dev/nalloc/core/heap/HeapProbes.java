package dev.nalloc.core.heap;

/**
 * Tests outside the heap package reach its engine-only state here: the members are package-private
 * because only tests look at them.
 */
public final class HeapProbes {

    private HeapProbes() {
    }

    /** {@link LocalHeap#checkInvariants}: owner thread, no concurrent frees. */
    public static void checkInvariants(LocalHeap heap) {
        heap.checkInvariants();
    }

    /** {@link LocalHeap#pageCount}. */
    public static int pageCount(LocalHeap heap) {
        return heap.pageCount();
    }

    /** {@link ThreadData#pooledHeaps}. */
    public static int pooledHeaps(ThreadData tld) {
        return tld.pooledHeaps();
    }

    /** {@link ThreadHeaps#leaseCount}. */
    public static int leaseCount(ThreadHeaps threads) {
        return threads.leaseCount();
    }

    /** {@link ThreadRegistry#size}: the threads registered now. */
    public static int registered(ThreadRegistry registry) {
        return registry.size();
    }

    /** {@link ThreadRegistry#retired}. */
    public static long retired(ThreadRegistry registry) {
        return registry.retired();
    }
}
