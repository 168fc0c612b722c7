package dev.nalloc.core;

import dev.nalloc.core.heap.LocalHeap;

/** The primitives of CHECKED and SECURE for the {@link Reallocs} families: the mode's checked paths. */
final class ModeBlocks extends Reallocs.Blocks {

    private final ModeAllocator allocator;

    ModeBlocks(ModeAllocator allocator) {
        super(allocator);
        this.allocator = allocator;
    }

    @Override
    long allocate(LocalHeap heap, long size, long alignment, long offset, boolean zero) {
        return allocator.allocate(heap, size, alignment, offset, zero);
    }

    @Override
    long usable(long address, String op) {
        return allocator.usable(address, op);
    }

    @Override
    long resize(long address, long newSize, long alignment, long offset, boolean zero, String op) {
        return allocator.resize(address, newSize, alignment, offset, zero, op);
    }

    @Override
    void release(long address, String op) {
        allocator.release(address, op);
    }
}
