package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.api.HeapVisitor;

import java.util.TreeMap;

/**
 * A {@link Heap} of an instance with leak detection: allocations are sampled like the instance's,
 * and {@link #destroy()} forgets the records of every block in the heap's pages (and reports them:
 * blocks still live when their heap is destroyed).
 */
final class TrackingHeap implements Heap {

    private final TrackingAllocator allocator;
    final Heap inner;
    private final boolean isDefault;

    TrackingHeap(TrackingAllocator allocator, Heap inner, boolean isDefault) {
        this.allocator = allocator;
        this.inner = inner;
        this.isDefault = isDefault;
    }

    @Override
    public Allocator allocator() {
        return allocator;
    }

    @Override
    public long malloc(long size) {
        return allocator.tracked(inner.malloc(size), size, 1);
    }

    @Override
    public long zalloc(long size) {
        return allocator.tracked(inner.zalloc(size), size, 1);
    }

    @Override
    public long calloc(long count, long size) {
        long a = inner.calloc(count, size);
        return a == 0 ? 0 : allocator.tracked(a, count * size, 1);
    }

    @Override
    public long mallocn(long count, long size) {
        long a = inner.mallocn(count, size);
        return a == 0 ? 0 : allocator.tracked(a, count * size, 1);
    }

    @Override
    public long realloc(long address, long newSize) {
        return allocator.realloc(address, newSize, 1, inner::realloc);
    }

    @Override
    public long mallocAligned(long size, long alignment) {
        return allocator.tracked(inner.mallocAligned(size, alignment), size, alignment);
    }

    @Override
    public long mallocAlignedAt(long size, long alignment, long offset) {
        return allocator.tracked(inner.mallocAlignedAt(size, alignment, offset), size, alignment);
    }

    @Override
    public long zallocAligned(long size, long alignment) {
        return allocator.tracked(inner.zallocAligned(size, alignment), size, alignment);
    }

    @Override
    public long zallocAlignedAt(long size, long alignment, long offset) {
        return allocator.tracked(inner.zallocAlignedAt(size, alignment, offset), size, alignment);
    }

    @Override
    public long callocAligned(long count, long size, long alignment) {
        long a = inner.callocAligned(count, size, alignment);
        return a == 0 ? 0 : allocator.tracked(a, count * size, alignment);
    }

    @Override
    public long callocAlignedAt(long count, long size, long alignment, long offset) {
        long a = inner.callocAlignedAt(count, size, alignment, offset);
        return a == 0 ? 0 : allocator.tracked(a, count * size, alignment);
    }

    @Override
    public long reallocAlignedAt(long address, long newSize, long alignment, long offset) {
        return allocator.realloc(address, newSize, alignment, (a, n) -> inner.reallocAlignedAt(a, n, alignment, offset));
    }

    @Override
    public long rezalloc(long address, long newSize) {
        return allocator.realloc(address, newSize, 1, inner::rezalloc);
    }

    @Override
    public long recalloc(long address, long count, long size) {
        return allocator.realloc(address, count * size, 1, (a, n) -> inner.recalloc(a, count, size));
    }

    @Override
    public long reallocn(long address, long count, long size) {
        return allocator.realloc(address, count * size, 1, (a, n) -> inner.reallocn(a, count, size));
    }

    @Override
    public long rezallocAligned(long address, long newSize, long alignment) {
        return allocator.realloc(address, newSize, alignment, (a, n) -> inner.rezallocAligned(a, n, alignment));
    }

    @Override
    public long rezallocAlignedAt(long address, long newSize, long alignment, long offset) {
        return allocator.realloc(address, newSize, alignment, (a, n) -> inner.rezallocAlignedAt(a, n, alignment, offset));
    }

    @Override
    public long recallocAligned(long address, long count, long size, long alignment) {
        return allocator.realloc(address, count * size, alignment, (a, n) -> inner.recallocAligned(a, count, size, alignment));
    }

    @Override
    public long recallocAlignedAt(long address, long count, long size, long alignment, long offset) {
        return allocator.realloc(address, count * size, alignment, (a, n) -> inner.recallocAlignedAt(a, count, size, alignment, offset));
    }

    /** As the instance's: a failed realloc frees the block (through the tracking layer). */
    @Override
    public long reallocf(long address, long newSize) {
        long fresh = realloc(address, newSize);
        if (fresh == 0 && address != 0 && allocator.isInHeapRegion(address)) {
            allocator.free(address);
        }
        return fresh;
    }

    @Override
    public long expand(long address, long newSize) {
        long a = inner.expand(address, newSize);
        if (a != 0) {
            allocator.tracker.resized(a, newSize);
        }
        return a;
    }

    @Override
    public long reallocAligned(long address, long newSize, long alignment) {
        return allocator.realloc(address, newSize, alignment, (a, n) -> inner.reallocAligned(a, n, alignment));
    }

    @Override
    public int tag() {
        return inner.tag();
    }

    @Override
    public boolean contains(long address) {
        return inner.contains(address);
    }

    @Override
    public void visitBlocks(boolean visitAllBlocks, HeapVisitor visitor) {
        inner.visitBlocks(visitAllBlocks, visitor);
    }

    @Override
    public void collect(boolean force) {
        inner.collect(force);
    }

    /**
     * Forgets the records of the blocks in the heap's pages (visiting them checks the owner thread
     * and that the heap is alive, as destroy does), destroys the heap, then reports the blocks that
     * were still live.
     */
    @Override
    public void destroy() {
        if (isDefault || !((AbstractHeap) inner).localHeap().allowsDestroy()) {
            inner.destroy(); // throws: a default heap, or one made with allowDestroy false, cannot be destroyed
            return;
        }
        TreeMap<Long, Object> removed = allocator.forgetPagesOf(v -> inner.visitBlocks(false, v));
        inner.destroy();
        if (!removed.isEmpty()) {
            allocator.leaked(allocator.tracker.report(removed), "a heap of thread '" + Thread.currentThread().getName()
                    + "' of instance '" + allocator.name() + "' destroyed (the blocks are freed now)");
        }
    }

    @Override
    public void close() {
        inner.close(); // its blocks stay live (in the thread's default heap): their records stay
    }

    @Override
    public String toString() {
        return inner.toString();
    }
}
