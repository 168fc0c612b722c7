package dev.nalloc.spi;

/**
 * Chooses which heap serves a thread's allocations. Platform threads usually get a heap of their
 * own; a million virtual threads must not, so they share a bounded set of heaps.
 *
 * <p>A thread that owns a heap gets thread data of its own on first use (segments, a default heap,
 * a fast path); when it ends, its segments are abandoned and reclaimed by other threads. A thread
 * that does not own a heap <em>leases</em> one of the shared heaps: it takes one over (one
 * compare-and-set) from a thread that is waiting, blocked or has ended, or that nobody holds, and
 * keeps it call after call, allocating and freeing in it without atomic operations, until another
 * thread takes it over. There are {@link #sharedHeapCount()} shared heaps at first; when every one
 * is held by a thread that is running or runnable, another is added, up to
 * {@link #maxSharedHeapCount()}; beyond that a caller yields until one can be taken over. A thread
 * that asks for a heap explicitly ({@code Allocator.heap()}, {@code newHeap()},
 * {@code newArena()}) gets thread data of its own whatever the policy says, and uses it from then
 * on. The engine's default (when the builder is given none): platform threads own heaps, virtual
 * threads share {@code 2 × availableProcessors} (at least 4, at most 256) at first, and at most
 * eight times as many.
 *
 * <p>Methods are called on allocation slow paths, from any thread: they must be thread-safe, fast,
 * and must not allocate through the allocator they configure.
 */
public interface HeapSelectionPolicy {

    /**
     * {@return whether {@code thread} gets a thread-local heap of its own}
     *
     * @param thread the allocating thread
     */
    boolean ownsHeap(Thread thread);

    /** {@return how many shared heaps serve the threads without a heap of their own at first} At least 1; read once. */
    int sharedHeapCount();

    /**
     * {@return the most shared heaps there may be} Read once; taken as at least
     * {@link #sharedHeapCount()} and at most 4096. The default is eight times
     * {@link #sharedHeapCount()}.
     */
    default int maxSharedHeapCount() {
        return 8 * sharedHeapCount();
    }

    /**
     * {@return the shared heap (0 to {@code sharedHeapCount() - 1}) where {@code thread} starts looking}
     *
     * @param thread the allocating thread
     */
    int sharedHeapIndex(Thread thread);

    /**
     * Every thread, virtual ones included, owns a heap: the behaviour of mimalloc, and of Nalloc
     * before shared heaps. Suits a few long-lived virtual threads; with many short-lived ones each
     * still maps its own segment until it ends and the segment is reclaimed.
     *
     * @return the policy
     */
    static HeapSelectionPolicy everyThreadOwnsHeap() {
        return EveryThreadOwnsHeap.INSTANCE;
    }
}

/** See {@link HeapSelectionPolicy#everyThreadOwnsHeap()}. */
enum EveryThreadOwnsHeap implements HeapSelectionPolicy {
    INSTANCE;

    @Override
    public boolean ownsHeap(Thread thread) {
        return true;
    }

    @Override
    public int sharedHeapCount() {
        return 1;
    }

    @Override
    public int sharedHeapIndex(Thread thread) {
        return 0;
    }
}
