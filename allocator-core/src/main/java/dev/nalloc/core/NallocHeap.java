package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.api.HeapVisitor;
import dev.nalloc.core.heap.LocalHeap;

import java.util.Objects;

/**
 * The public face of a {@link LocalHeap}, in every mode: allocation only on the owner thread
 * ({@link WrongThreadException} elsewhere), nothing after destroy or delete
 * ({@link IllegalStateException}). What the mode does (how blocks are allocated, how the heap is
 * destroyed, at which address a visit gives a block) is its allocator's.
 */
final class NallocHeap extends AbstractHeap {

    private final AbstractAllocator allocator;
    private final LocalHeap heap;
    private final int generation;

    NallocHeap(AbstractAllocator allocator, LocalHeap heap) {
        this.allocator = allocator;
        this.heap = heap;
        this.generation = heap.generation();
    }

    @Override
    LocalHeap use() {
        allocator.checkOpen();
        if (heap.owner() != Thread.currentThread()) {
            throw new WrongThreadException("nalloc: heap of thread " + heap.owner().getName()
                    + " used on thread " + Thread.currentThread().getName());
        }
        if (heap.isGone(generation)) {
            throw new IllegalStateException("nalloc: the heap has been destroyed or deleted");
        }
        return heap;
    }

    @Override
    public Allocator allocator() {
        return allocator;
    }

    @Override
    public long malloc(long size) {
        return allocator.mallocIn(use(), size);
    }

    @Override
    public long zalloc(long size) {
        return allocator.zallocIn(use(), size);
    }

    @Override
    public long calloc(long count, long size) {
        LocalHeap h = use();
        long total = Args.product(count, size);
        return total < 0 ? 0 : allocator.zallocIn(h, total);
    }

    @Override
    public long mallocn(long count, long size) {
        LocalHeap h = use();
        long total = Args.product(count, size);
        return total < 0 ? 0 : allocator.mallocIn(h, total);
    }

    @Override
    Reallocs reallocs() {
        return allocator.reallocs();
    }

    @Override
    public boolean contains(long address) {
        allocator.checkOpen();
        return !heap.isGone(generation) && heap.contains(address);
    }

    /**
     * The engine's visit; with {@code visitAllBlocks} each live block is given at the address it was
     * handed out at (see {@link AbstractAllocator#visitorOf}), so that a visitor may free it.
     */
    @Override
    public void visitBlocks(boolean visitAllBlocks, HeapVisitor visitor) {
        Objects.requireNonNull(visitor, "visitor");
        use().visitBlocks(visitAllBlocks, visitAllBlocks ? allocator.visitorOf(visitor) : visitor);
    }

    @Override
    public void collect(boolean force) {
        use().collect(force);
    }

    @Override
    public void destroy() {
        LocalHeap h = use();
        checkDestroyable(h);
        allocator.destroyHeap(h);
    }

    @Override
    public void close() {
        allocator.checkOpen();
        if (heap.isDefault() || heap.isGone(generation)) {
            return;
        }
        use().delete();
        allocator.engine.reporter.flush(); // a heap bound to an arena gives its memory back now
    }

    /** The engine's heap. */
    @Override
    LocalHeap localHeap() {
        return heap;
    }

    @Override
    public String toString() {
        return (heap.isDefault() ? "DefaultHeap[" : "Heap[") + heap.owner().getName() + (heap.isGone(generation) ? ", gone]" : "]");
    }
}
