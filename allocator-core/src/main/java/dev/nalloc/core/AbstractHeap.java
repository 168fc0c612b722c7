package dev.nalloc.core;

import dev.nalloc.api.Heap;
import dev.nalloc.core.heap.LocalHeap;

/**
 * The aligned and realloc families of the {@link Heap}s of every mode: each checks the heap may be
 * used here ({@link #use}) and is one call into the mode's {@link Reallocs} with it.
 */
abstract sealed class AbstractHeap implements Heap permits NallocHeap {

    /** The heap, after checking the allocator is open, the caller owns the heap and it is alive. */
    abstract LocalHeap use();

    /** The families over the allocator's mode. */
    abstract Reallocs reallocs();

    /** The engine's heap, without checks. */
    abstract LocalHeap localHeap();

    @Override
    public final int tag() {
        return localHeap().tag();
    }

    /**
     * Refuses to destroy a heap made to take over other threads' pages ({@code allowDestroy} false in
     * {@code newHeap(tag, allowDestroy, arena)}), or a thread's default heap.
     */
    static void checkDestroyable(LocalHeap h) {
        if (h.isDefault()) {
            throw new UnsupportedOperationException("nalloc: a thread's default heap cannot be destroyed");
        }
        if (!h.allowsDestroy()) {
            throw new UnsupportedOperationException("nalloc: this heap was made with allowDestroy false: it may hold "
                    + "blocks of other threads and cannot be destroyed; close() deletes it");
        }
    }

    @Override
    public final long mallocAligned(long size, long alignment) {
        return reallocs().allocate(use(), size, alignment, 0, false);
    }

    @Override
    public final long mallocAlignedAt(long size, long alignment, long offset) {
        return reallocs().allocate(use(), size, alignment, offset, false);
    }

    @Override
    public final long zallocAligned(long size, long alignment) {
        return reallocs().allocate(use(), size, alignment, 0, true);
    }

    @Override
    public final long zallocAlignedAt(long size, long alignment, long offset) {
        return reallocs().allocate(use(), size, alignment, offset, true);
    }

    @Override
    public final long callocAligned(long count, long size, long alignment) {
        return reallocs().allocateN(use(), count, size, alignment, 0, true);
    }

    @Override
    public final long callocAlignedAt(long count, long size, long alignment, long offset) {
        return reallocs().allocateN(use(), count, size, alignment, offset, true);
    }

    @Override
    public final long realloc(long address, long newSize) {
        return reallocs().realloc(use(), address, newSize, 1, 0, false, false, "realloc");
    }

    @Override
    public final long reallocf(long address, long newSize) {
        return reallocs().realloc(use(), address, newSize, 1, 0, false, true, "reallocf");
    }

    @Override
    public final long reallocn(long address, long count, long size) {
        return reallocs().reallocN(use(), address, count, size, 1, 0, false, "realloc");
    }

    @Override
    public final long rezalloc(long address, long newSize) {
        return reallocs().realloc(use(), address, newSize, 1, 0, true, false, "rezalloc");
    }

    @Override
    public final long recalloc(long address, long count, long size) {
        return reallocs().reallocN(use(), address, count, size, 1, 0, true, "rezalloc");
    }

    @Override
    public final long expand(long address, long newSize) {
        use();
        return reallocs().expand(address, newSize);
    }

    @Override
    public final long reallocAligned(long address, long newSize, long alignment) {
        return reallocs().realloc(use(), address, newSize, alignment, 0, false, false, "realloc");
    }

    @Override
    public final long reallocAlignedAt(long address, long newSize, long alignment, long offset) {
        return reallocs().realloc(use(), address, newSize, alignment, offset, false, false, "realloc");
    }

    @Override
    public final long rezallocAligned(long address, long newSize, long alignment) {
        return reallocs().realloc(use(), address, newSize, alignment, 0, true, false, "rezalloc");
    }

    @Override
    public final long rezallocAlignedAt(long address, long newSize, long alignment, long offset) {
        return reallocs().realloc(use(), address, newSize, alignment, offset, true, false, "rezalloc");
    }

    @Override
    public final long recallocAligned(long address, long count, long size, long alignment) {
        return reallocs().reallocN(use(), address, count, size, alignment, 0, true, "rezalloc");
    }

    @Override
    public final long recallocAlignedAt(long address, long count, long size, long alignment, long offset) {
        return reallocs().reallocN(use(), address, count, size, alignment, offset, true, "rezalloc");
    }
}
