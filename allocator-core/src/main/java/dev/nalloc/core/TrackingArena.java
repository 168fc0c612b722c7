package dev.nalloc.core;

import dev.nalloc.core.heap.LocalHeap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An {@link Arena} of an instance with leak detection: its segments are sampled like the
 * instance's allocations, and {@link #close()} forgets the records of every block in the arena's
 * pages before they are freed. Nothing is reported: closing is how an arena's segments are meant
 * to go (an arena never closed shows in the instance's report).
 */
final class TrackingArena implements Arena {

    private final TrackingAllocator allocator;
    private final Arena inner;
    private final LocalHeap heap;

    TrackingArena(TrackingAllocator allocator, Arena inner, LocalHeap heap) {
        this.allocator = allocator;
        this.inner = inner;
        this.heap = heap;
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        MemorySegment s = inner.allocate(byteSize, byteAlignment);
        allocator.tracked(s.address(), byteSize, byteAlignment);
        return s;
    }

    @Override
    public MemorySegment.Scope scope() {
        return inner.scope();
    }

    @Override
    public void close() {
        // Only where the inner close will succeed (open instance, owner thread, open arena); it throws otherwise.
        if (!allocator.getVolatileClosed() && heap.owner() == Thread.currentThread() && inner.scope().isAlive()) {
            allocator.forgetPagesOf(v -> heap.visitBlocks(false, v));
        }
        inner.close();
    }
}
