package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.api.HeapVisitor;
import dev.nalloc.core.heap.LocalHeap;

/**
 * A {@link Heap} of a CHECKED or SECURE instance: the checks of {@link NallocHeap} (owner thread,
 * alive), with every allocation going through the mode's checked path.
 */
final class ModeHeap extends AbstractHeap {

    private final ModeAllocator allocator;
    private final NallocHeap heap;

    ModeHeap(ModeAllocator allocator, NallocHeap heap) {
        this.allocator = allocator;
        this.heap = heap;
    }

    @Override
    public Allocator allocator() {
        return allocator;
    }

    @Override
    public long malloc(long size) {
        return allocator.allocate(heap.use(), size, 1, 0, false);
    }

    @Override
    public long zalloc(long size) {
        return allocator.allocate(heap.use(), size, 1, 0, true);
    }

    @Override
    public long calloc(long count, long size) {
        LocalHeap h = heap.use();
        long total = ModeAllocator.product(count, size);
        return total < 0 ? 0 : allocator.allocate(h, total, 1, 0, true);
    }

    @Override
    public long mallocn(long count, long size) {
        LocalHeap h = heap.use();
        long total = ModeAllocator.product(count, size);
        return total < 0 ? 0 : allocator.allocate(h, total, 1, 0, false);
    }

    @Override
    LocalHeap use() {
        return heap.use();
    }

    @Override
    Reallocs reallocs() {
        return allocator.reallocs();
    }

    @Override
    LocalHeap localHeap() {
        return heap.localHeap();
    }

    @Override
    public boolean contains(long address) {
        return heap.contains(address);
    }

    /**
     * The engine's visit, with each live block given at the address it was handed out at (CHECKED:
     * inside aligned and guarded blocks; SECURE: inside guarded ones), so that a visitor may free
     * it; blocks the mode withholds (quarantined, dropped from a broken list) are not visited.
     */
    @Override
    public void visitBlocks(boolean visitAllBlocks, HeapVisitor visitor) {
        java.util.Objects.requireNonNull(visitor, "visitor");
        heap.visitBlocks(visitAllBlocks, !visitAllBlocks ? visitor : (area, block, blockSize) -> {
            if (block == 0) {
                return visitor.visit(area, 0, blockSize);
            }
            long address = allocator.visitedAddress(block);
            return address == 0 || visitor.visit(area, address, blockSize);
        });
    }

    @Override
    public void collect(boolean force) {
        heap.collect(force);
    }

    @Override
    public void destroy() {
        LocalHeap h = heap.use();
        checkDestroyable(h);
        allocator.destroy(h);
    }

    @Override
    public void close() {
        heap.close();
    }

    @Override
    public String toString() {
        return heap.toString();
    }
}
