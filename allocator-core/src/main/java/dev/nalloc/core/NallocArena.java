package dev.nalloc.core;

import dev.nalloc.core.heap.LocalHeap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A confined {@link Arena} backed by a heap of its own: segments carry the scope of an inner
 * {@code Arena.ofConfined()}, so the JDK refuses any access after {@link #close()}, which destroys
 * the heap (frees every block at once) and then closes the inner arena.
 */
final class NallocArena implements Arena {

    private final NallocAllocator allocator;
    private final LocalHeap heap;
    private final int generation;
    private final Arena scope = Arena.ofConfined();

    NallocArena(NallocAllocator allocator, LocalHeap heap) {
        this.allocator = allocator;
        this.heap = heap;
        this.generation = heap.generation();
    }

    private void checkUsable() {
        allocator.checkOpen();
        if (heap.owner() != Thread.currentThread()) {
            throw new WrongThreadException("nalloc: arena of thread " + heap.owner().getName()
                    + " used on thread " + Thread.currentThread().getName());
        }
        if (heap.isGone(generation)) {
            throw new IllegalStateException("Already closed");
        }
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        checkUsable();
        long address = allocator.alignedIn(heap, byteSize, byteAlignment, 0, true);
        if (address == 0) {
            throw new OutOfMemoryError("nalloc: out of memory allocating " + byteSize + " bytes in an arena");
        }
        return MemorySegment.ofAddress(address).reinterpret(byteSize, scope, null);
    }

    @Override
    public MemorySegment.Scope scope() {
        return scope.scope();
    }

    @Override
    public void close() {
        checkUsable();
        heap.destroy();
        scope.close();
    }
}
