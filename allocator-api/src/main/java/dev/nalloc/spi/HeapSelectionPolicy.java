package dev.nalloc.spi;

/**
 * Chooses which heap serves a thread's allocations. Platform threads usually get a heap of their
 * own; a million virtual threads must not, so they share a bounded set of heaps.
 */
public interface HeapSelectionPolicy {

    /** Whether {@code thread} gets a thread-local heap of its own. */
    boolean ownsHeap(Thread thread);

    /** How many shared heaps serve the threads without a heap of their own. */
    int sharedHeapCount();

    /** The shared heap (0 to {@code sharedHeapCount() - 1}) where {@code thread} starts looking. */
    int sharedHeapIndex(Thread thread);
}
