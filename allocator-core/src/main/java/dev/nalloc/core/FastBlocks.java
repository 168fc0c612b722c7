package dev.nalloc.core;

import dev.nalloc.core.heap.LocalHeap;

/** FAST's primitives for the {@link Reallocs} families: the engine's paths, mimalloc's in-place rule. */
final class FastBlocks extends Reallocs.Blocks {

    private final NallocAllocator allocator;

    FastBlocks(NallocAllocator allocator) {
        super(allocator);
        this.allocator = allocator;
    }

    @Override
    long allocate(LocalHeap heap, long size, long alignment, long offset, boolean zero) {
        return allocator.allocations.aligned(heap, size, alignment, offset, zero);
    }

    @Override
    long usable(long address, String op) {
        long usable = allocator.usableSize(address); // reports misuse, then 0 (no block has 0 usable bytes)
        return usable == 0 ? Reallocs.MISUSE : usable;
    }

    @Override
    void release(long address, String op) {
        allocator.free(address);
    }
}
