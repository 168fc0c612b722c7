package dev.nalloc.api;

/**
 * A heap of blocks (mimalloc's {@code mi_heap_t}). A heap made by {@link Allocator#newHeap()}
 * allocates only on its owner thread (other threads get {@link WrongThreadException}); its blocks
 * may be freed with {@link Allocator#free(long)} on any thread.
 *
 * <p>Allocation methods have the {@link Allocator} semantics (mimalloc's {@code mi_heap_*} family):
 * new blocks come from this heap, and a re-allocation that moves a block (of any heap of the
 * allocator) puts the new one in this heap and frees the old one.
 */
public interface Heap extends AutoCloseable {

    /** {@return the allocator this heap belongs to} */
    Allocator allocator();

    /**
     * Allocates {@code size} bytes in this heap (mi_heap_malloc).
     *
     * @param size bytes, {@code >= 0}
     * @return the block's address, or 0 when out of memory
     * @throws IllegalArgumentException when {@code size} is negative
     * @see Allocator#malloc(long)
     */
    long malloc(long size);

    /**
     * Allocates {@code size} zero-filled bytes in this heap (mi_heap_zalloc).
     *
     * @param size bytes, {@code >= 0}
     * @return the block's address, or 0 when out of memory
     * @throws IllegalArgumentException when {@code size} is negative
     * @see Allocator#zalloc(long)
     */
    long zalloc(long size);

    /**
     * Allocates {@code count * size} zero-filled bytes in this heap (mi_heap_calloc).
     *
     * @param count number of elements, {@code >= 0}
     * @param size  bytes per element, {@code >= 0}
     * @return the block's address, or 0 when out of memory or when the product overflows
     * @throws IllegalArgumentException when {@code count} or {@code size} is negative
     * @see Allocator#calloc(long, long)
     */
    long calloc(long count, long size);

    /**
     * Allocates {@code count * size} bytes in this heap, not cleared (mi_heap_mallocn).
     *
     * @param count number of elements, {@code >= 0}
     * @param size  bytes per element, {@code >= 0}
     * @return the block's address, or 0 when out of memory or when the product overflows
     * @throws IllegalArgumentException when {@code count} or {@code size} is negative
     * @see Allocator#mallocn(long, long)
     */
    long mallocn(long count, long size);

    /**
     * Re-allocates a block (of any heap of the allocator) into this heap when it has to move
     * (mi_heap_realloc); {@code address == 0} acts as {@link #malloc}.
     *
     * @param address a block of this heap's allocator, or 0
     * @param newSize bytes, {@code >= 0}
     * @return the (possibly moved) block's address, or 0 when out of memory (the old block is then
     *         untouched)
     * @throws IllegalArgumentException when {@code newSize} is negative
     * @see Allocator#realloc(long, long)
     */
    long realloc(long address, long newSize);

    /**
     * Allocates {@code size} bytes aligned to {@code alignment} in this heap (mi_heap_malloc_aligned).
     *
     * @param size      bytes, {@code >= 0}
     * @param alignment a positive power of two
     * @return the block's address, a multiple of {@code alignment}, or 0 when out of memory
     * @throws IllegalArgumentException when {@code size} is negative or {@code alignment} is not a
     *                                  positive power of two
     */
    long mallocAligned(long size, long alignment);

    /**
     * Allocates {@code size} bytes in this heap such that {@code (address + offset) % alignment == 0}
     * (mi_heap_malloc_aligned_at).
     *
     * @param size      bytes, {@code >= 0}
     * @param alignment a positive power of two
     * @param offset    the offset inside the block that is aligned, {@code >= 0}
     * @return the block's address, or 0 when out of memory
     * @throws IllegalArgumentException when {@code size} or {@code offset} is negative or
     *                                  {@code alignment} is not a positive power of two
     */
    long mallocAlignedAt(long size, long alignment, long offset);

    /**
     * Allocates {@code size} zero-filled bytes aligned to {@code alignment} in this heap
     * (mi_heap_zalloc_aligned).
     *
     * @param size      bytes, {@code >= 0}
     * @param alignment a positive power of two
     * @return the block's address, a multiple of {@code alignment}, or 0 when out of memory
     * @throws IllegalArgumentException when {@code size} is negative or {@code alignment} is not a
     *                                  positive power of two
     */
    long zallocAligned(long size, long alignment);

    /**
     * {@link Allocator#zallocAlignedAt} in this heap.
     *
     * @param size      the bytes to allocate, not negative
     * @param alignment a positive power of two
     * @param offset    the offset into the block that gets the alignment, not negative
     * @return the address of the block, or 0 when out of memory or the request is too large
     * @throws IllegalArgumentException when an argument is negative or {@code alignment} is not a positive power of two
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long zallocAlignedAt(long size, long alignment, long offset);

    /**
     * {@link Allocator#callocAligned} in this heap.
     *
     * @param count     the number of elements, not negative
     * @param size      the size of one element in bytes, not negative
     * @param alignment a positive power of two
     * @return the address of the block, or 0 when the product overflows, memory is out or the request is too large
     * @throws IllegalArgumentException when an argument is negative or {@code alignment} is not a positive power of two
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long callocAligned(long count, long size, long alignment);

    /**
     * {@link Allocator#callocAlignedAt} in this heap.
     *
     * @param count     the number of elements, not negative
     * @param size      the size of one element in bytes, not negative
     * @param alignment a positive power of two
     * @param offset    the offset into the block that gets the alignment, not negative
     * @return the address of the block, or 0 when the product overflows, memory is out or the request is too large
     * @throws IllegalArgumentException when an argument is negative or {@code alignment} is not a positive power of two
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long callocAlignedAt(long count, long size, long alignment, long offset);

    /**
     * {@link Allocator#reallocf} with the new block (if it moves) in this heap.
     *
     * @param address the block (of any heap of the allocator), or 0 to allocate
     * @param newSize the new size in bytes, not negative
     * @return the block, or 0 when memory is out or the request is too large (the old block is then freed)
     * @throws IllegalArgumentException when {@code newSize} is negative or the address is not a block of the allocator
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long reallocf(long address, long newSize);

    /**
     * {@link Allocator#reallocn} with the new block (if it moves) in this heap.
     *
     * @param address the block (of any heap of the allocator), or 0 to allocate
     * @param count   the number of elements, not negative
     * @param size    the size of one element in bytes, not negative
     * @return the block, or 0 when the product overflows, memory is out or the request is too large (the old
     *         block is then untouched)
     * @throws IllegalArgumentException when an argument is negative or the address is not a block of the allocator
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long reallocn(long address, long count, long size);

    /**
     * {@link Allocator#rezalloc} with the new block (if it moves) in this heap.
     *
     * @param address the block (of any heap of the allocator), or 0 to allocate zero-filled memory
     * @param newSize the new size in bytes, not negative
     * @return the block, or 0 when memory is out or the request is too large (the old block is then untouched)
     * @throws IllegalArgumentException when {@code newSize} is negative or the address is not a block of the allocator
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long rezalloc(long address, long newSize);

    /**
     * {@link Allocator#recalloc} with the new block (if it moves) in this heap.
     *
     * @param address the block (of any heap of the allocator), or 0 to allocate zero-filled memory
     * @param count   the number of elements, not negative
     * @param size    the size of one element in bytes, not negative
     * @return the block, or 0 when the product overflows, memory is out or the request is too large (the old
     *         block is then untouched)
     * @throws IllegalArgumentException when an argument is negative or the address is not a block of the allocator
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long recalloc(long address, long count, long size);

    /**
     * {@link Allocator#expand}: in place only, so the heap only decides who may call it.
     *
     * @param address the block (of any heap of the allocator), or 0
     * @param newSize the new size in bytes, not negative
     * @return {@code address} when its usable size covers {@code newSize}, otherwise 0
     * @throws IllegalArgumentException when {@code newSize} is negative or the address is not a block of the allocator
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long expand(long address, long newSize);

    /**
     * {@link Allocator#reallocAligned} with the new block (if it moves) in this heap.
     *
     * @param address   the block (of any heap of the allocator), or 0 to allocate
     * @param newSize   the new size in bytes, not negative
     * @param alignment a positive power of two
     * @return the block, or 0 when memory is out or the request is too large (the old block is then untouched)
     * @throws IllegalArgumentException when an argument is negative, {@code alignment} is not a positive power of
     *                                  two, or the address is not a block of the allocator
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long reallocAligned(long address, long newSize, long alignment);

    /**
     * {@link Allocator#reallocAlignedAt} with the new block (if it moves) in this heap.
     *
     * @param address   the block (of any heap of the allocator), or 0 to allocate
     * @param newSize   the new size in bytes, not negative
     * @param alignment a positive power of two
     * @param offset    the offset into the block that gets the alignment, not negative
     * @return the block, or 0 when memory is out or the request is too large (the old block is then untouched)
     * @throws IllegalArgumentException when an argument is negative, {@code alignment} is not a positive power of
     *                                  two, or the address is not a block of the allocator
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long reallocAlignedAt(long address, long newSize, long alignment, long offset);

    /**
     * {@link Allocator#rezallocAligned} with the new block (if it moves) in this heap.
     *
     * @param address   the block (of any heap of the allocator), or 0 to allocate zero-filled memory
     * @param newSize   the new size in bytes, not negative
     * @param alignment a positive power of two
     * @return the block, or 0 when memory is out or the request is too large (the old block is then untouched)
     * @throws IllegalArgumentException when an argument is negative, {@code alignment} is not a positive power of
     *                                  two, or the address is not a block of the allocator
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long rezallocAligned(long address, long newSize, long alignment);

    /**
     * {@link Allocator#rezallocAlignedAt} with the new block (if it moves) in this heap.
     *
     * @param address   the block (of any heap of the allocator), or 0 to allocate zero-filled memory
     * @param newSize   the new size in bytes, not negative
     * @param alignment a positive power of two
     * @param offset    the offset into the block that gets the alignment, not negative
     * @return the block, or 0 when memory is out or the request is too large (the old block is then untouched)
     * @throws IllegalArgumentException when an argument is negative, {@code alignment} is not a positive power of
     *                                  two, or the address is not a block of the allocator
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long rezallocAlignedAt(long address, long newSize, long alignment, long offset);

    /**
     * {@link Allocator#recallocAligned} with the new block (if it moves) in this heap.
     *
     * @param address   the block (of any heap of the allocator), or 0 to allocate zero-filled memory
     * @param count     the number of elements, not negative
     * @param size      the size of one element in bytes, not negative
     * @param alignment a positive power of two
     * @return the block, or 0 when the product overflows, memory is out or the request is too large (the old
     *         block is then untouched)
     * @throws IllegalArgumentException when an argument is negative, {@code alignment} is not a positive power of
     *                                  two, or the address is not a block of the allocator
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long recallocAligned(long address, long count, long size, long alignment);

    /**
     * {@link Allocator#recallocAlignedAt} with the new block (if it moves) in this heap.
     *
     * @param address   the block (of any heap of the allocator), or 0 to allocate zero-filled memory
     * @param count     the number of elements, not negative
     * @param size      the size of one element in bytes, not negative
     * @param alignment a positive power of two
     * @param offset    the offset into the block that gets the alignment, not negative
     * @return the block, or 0 when the product overflows, memory is out or the request is too large (the old
     *         block is then untouched)
     * @throws IllegalArgumentException when an argument is negative, {@code alignment} is not a positive power of
     *                                  two, or the address is not a block of the allocator
     * @throws WrongThreadException     when called on a thread that does not own the heap
     * @throws IllegalStateException    when the heap was destroyed or deleted, or the allocator is closed
     */
    long recallocAlignedAt(long address, long count, long size, long alignment, long offset);

    /**
     * The heap's tag ({@link Allocator#newHeap(int, boolean, ArenaId)}; mimalloc's heap tag).
     *
     * @return 0 to 255; 0 for heaps made without one
     */
    default int tag() {
        return 0;
    }

    /**
     * {@return true when the address lies inside a live or free block of this heap}
     * (mi_heap_contains_block)
     *
     * @param address any address
     */
    boolean contains(long address);

    /**
     * Visits the heap (mi_heap_visit_blocks): the visitor is called once per area with
     * {@code block == 0} and, when {@code visitAllBlocks}, once per live block of the area.
     * It stops when the visitor returns {@code false}. Runs on the owner thread.
     *
     * <p>The visitor may allocate and free anywhere, in this heap too: a block freed during the
     * visit is never given to the visitor afterwards, a block allocated during it may or may not
     * be, no block is given twice. It may not destroy or delete this heap or call
     * {@link Allocator#threadDone()}: those throw {@link IllegalStateException} and change nothing.
     * See docs/api.md, "What a heap visitor may do".
     *
     * @param visitAllBlocks also visit every live block, not only the areas
     * @param visitor        called per area and block; returning {@code false} stops the visit
     */
    void visitBlocks(boolean visitAllBlocks, HeapVisitor visitor);

    /**
     * Returns what this heap can return (mi_heap_collect).
     *
     * @param force also purge at once the memory that waits for its purge delay
     */
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
