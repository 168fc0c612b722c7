package dev.nalloc.api;

/**
 * A heap of blocks (mimalloc's {@code mi_heap_t}). A heap made by {@link Allocator#newHeap()}
 * allocates only on its owner thread (other threads get {@link WrongThreadException}); its blocks
 * may be freed with {@link Allocator#free(long)} on any thread.
 *
 * <p>Allocation methods have the {@link Allocator} semantics.
 */
public interface Heap extends AutoCloseable {

    /** The allocator this heap belongs to. */
    Allocator allocator();

    long malloc(long size);

    long zalloc(long size);

    long calloc(long count, long size);

    long mallocn(long count, long size);

    long realloc(long address, long newSize);

    long mallocAligned(long size, long alignment);

    long mallocAlignedAt(long size, long alignment, long offset);

    long zallocAligned(long size, long alignment);

    /** True when the address lies inside a live or free block of this heap. */
    boolean contains(long address);

    /**
     * Visits the heap (mi_heap_visit_blocks): the visitor is called once per area with
     * {@code block == 0} and, when {@code visitAllBlocks}, once per live block of the area.
     * It stops when the visitor returns {@code false}. Runs on the owner thread.
     */
    void visitBlocks(boolean visitAllBlocks, HeapVisitor visitor);

    /** Returns what this heap can return; {@code force} purges at once. */
    void collect(boolean force);

    /** Frees every block of the heap at once; the heap is unusable afterwards ({@link IllegalStateException}). */
    void destroy();

    /**
     * Deletes the heap (mi_heap_delete): its live blocks stay valid and belong to the thread's
     * default heap from then on. Closing the default heap does nothing.
     */
    @Override
    void close();
}
