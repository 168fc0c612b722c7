package dev.nalloc.core;

import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.memory.SizeClasses;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A confined {@link Arena} backed by a heap of its own, in every mode: segments carry the scope of
 * an inner {@code Arena.ofConfined()}, so the JDK refuses any access after {@link #close()}, which
 * closes the inner arena and then destroys the heap (frees every block at once; CHECKED checks the
 * canaries of all its blocks first). How a segment's block is allocated is the mode's
 * ({@link AbstractAllocator#arenaBlock}).
 *
 * <p>Segments are slices of an all-memory segment in the inner scope, made once per arena: a
 * slice is cheaper than a {@code reinterpret} per segment (no native-access check, a smaller
 * inlined path), which measured faster even for an arena of one segment.
 */
final class NallocArena implements Arena {

    private static final long SMALL_FILL = 4096;

    private final AbstractAllocator allocator;
    /** The instance's state (its closed flag) and the heap's owner, kept here to save dependent loads. */
    private final Engine engine;
    /** Whether small segments are cleared through the segment here ({@link AbstractAllocator#arenaFillsSmall}). */
    private final boolean fillsSmall;
    private final Thread owner;
    private final LocalHeap heap;
    private final int generation;
    private final Arena scope = Arena.ofConfined();
    /** All of memory in the inner arena's scope. */
    private final MemorySegment all;

    NallocArena(AbstractAllocator allocator, LocalHeap heap) {
        this.allocator = allocator;
        this.engine = allocator.engine;
        this.fillsSmall = allocator.arenaFillsSmall();
        this.owner = heap.owner();
        this.heap = heap;
        this.generation = heap.generation();
        this.all = scoped(MemorySegment.NULL, Long.MAX_VALUE, scope);
        heap.markServesArena();
    }

    private void checkUsable() {
        if (engine.getVolatileClosed()) {
            allocator.checkOpen(); // throws
        }
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
        // Small blocks are cleared through the new segment where the mode lets the arena do it (the
        // JDK's bulk fill beats word stores through the all-memory segment); large ones through
        // zalloc, which skips fresh zero memory.
        boolean small = fillsSmall && byteSize <= SMALL_FILL && byteSize >= 0;
        // FAST's common case straight from the heap, written out here rather than in the mode's
        // arenaBlock (a copy, guarded by ArenaInliningTest): one call level less on the path whose
        // arena and segments escape analysis must remove (the inlining it needs is C2's choice).
        long address = small && byteSize <= SizeClasses.SMALL_SIZE_MAX && byteAlignment > 0 && byteAlignment <= SizeClasses.WORD
                        && (byteAlignment & (byteAlignment - 1)) == 0
                ? heap.mallocSmall(byteSize) // every block is word aligned
                : allocator.arenaBlock(heap, byteSize, byteAlignment, small);
        if (address == 0) {
            throw new OutOfMemoryError("nalloc: out of memory allocating " + byteSize + " bytes in an arena");
        }
        MemorySegment segment = all.asSlice(address, byteSize);
        if (small) {
            segment.fill((byte) 0);
        }
        return segment;
    }

    @SuppressWarnings("restricted") // the engine's module runs with native access (see module-info)
    private static MemorySegment scoped(MemorySegment at, long byteSize, Arena scope) {
        return at.reinterpret(byteSize, scope, null);
    }

    /** The arena's heap (leak detection forgets its blocks' records before it closes). */
    LocalHeap heap() {
        return heap;
    }

    @Override
    public MemorySegment.Scope scope() {
        return scope.scope();
    }

    /**
     * Ends the scope, then frees every block at once: the scope first, so that OS trouble the
     * destroy reports at its end (a throwing handler) leaves no segment of the arena usable. If the
     * thread called {@code threadDone} while the arena was open, its data waited for this close:
     * the heap's destroy retires it after the last such arena (see {@link LocalHeap#destroy}).
     */
    @Override
    public void close() {
        checkUsable();
        scope.close();
        allocator.destroyHeap(heap);
    }
}
