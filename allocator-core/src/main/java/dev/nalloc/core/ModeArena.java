package dev.nalloc.core;

import dev.nalloc.core.heap.LocalHeap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The {@link Arena} of a CHECKED or SECURE instance: like {@link NallocArena} (confined, a heap of
 * its own, every access refused after {@link #close()}), with allocations through the mode's
 * checked path; closing checks the canaries of all its blocks (CHECKED) before the heap goes.
 */
final class ModeArena implements Arena {

    private final ModeAllocator allocator;
    private final Thread owner;
    private final LocalHeap heap;
    private final int generation;
    private final Arena scope = Arena.ofConfined();
    private final MemorySegment all;

    @SuppressWarnings("restricted") // the engine's module runs with native access (see module-info)
    ModeArena(ModeAllocator allocator, LocalHeap heap) {
        this.allocator = allocator;
        this.owner = heap.owner();
        this.heap = heap;
        this.generation = heap.generation();
        this.all = MemorySegment.NULL.reinterpret(Long.MAX_VALUE, scope, null);
        heap.servesArena = true;
    }

    private void checkUsable() {
        allocator.checkUsable();
        if (owner != Thread.currentThread()) {
            throw new WrongThreadException("nalloc: arena of thread " + owner.getName()
                    + " used on thread " + Thread.currentThread().getName());
        }
        if (heap.isGone(generation)) {
            throw new IllegalStateException("Already closed");
        }
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        checkUsable();
        long address = allocator.allocate(heap, byteSize, byteAlignment, 0, true);
        if (address == 0) {
            throw new OutOfMemoryError("nalloc: out of memory allocating " + byteSize + " bytes in an arena");
        }
        return all.asSlice(address, byteSize);
    }

    /** The arena's heap (leak detection forgets its blocks' records before it closes). */
    LocalHeap heap() {
        return heap;
    }

    @Override
    public MemorySegment.Scope scope() {
        return scope.scope();
    }

    @Override
    public void close() {
        checkUsable();
        scope.close();
        allocator.destroy(heap);
    }
}
