package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorMisuseException;
import dev.nalloc.api.DeferredFree;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Option;
import dev.nalloc.api.OptionValues;
import dev.nalloc.core.heap.LocalHeap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * What the {@link Allocator}s of every mode share above the engine: the aligned and realloc
 * families in the calling thread's heap (each one call into the mode's {@link Reallocs}), the
 * options, the deferred free function and the huge OS pages reserved at run time.
 */
abstract sealed class AbstractAllocator implements Allocator permits NallocAllocator, ModeAllocator {

    /** The families over this allocator's mode. */
    abstract Reallocs reallocs();

    /** The instance's state. */
    abstract Engine engine();

    /** The scope of {@link #asSegment(long, long)}'s views. */
    abstract SegmentViews views();

    @Override
    public final MemorySegment asSegment(long address, long byteSize) {
        return views().view(address, viewSize(address, byteSize));
    }

    @Override
    public final MemorySegment asSegment(long address, long byteSize, Arena arena) {
        Objects.requireNonNull(arena, "arena");
        return SegmentViews.view(address, viewSize(address, byteSize), arena);
    }

    /**
     * {@code byteSize} once checked against the block: the mode's {@link #usableSize} finds the
     * block (and reports an address that is none, as it does for itself), so CHECKED bounds a view
     * by the requested size and FAST by the block's usable size.
     */
    private long viewSize(long address, long byteSize) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("nalloc: negative size " + byteSize);
        }
        if (address == 0) {
            throw new IllegalArgumentException("nalloc: no view of address 0");
        }
        long usable = usableSize(address);
        if (usable == 0) { // reported; the handler returned
            throw new AllocatorMisuseException(ErrorKind.INVALID_FREE, address,
                    ErrorKind.INVALID_FREE.message("no view of 0x" + Long.toHexString(address)
                            + ": not a block of this allocator"));
        }
        if (byteSize > usable) {
            throw new IndexOutOfBoundsException("nalloc: a view of " + byteSize + " bytes at 0x"
                    + Long.toHexString(address) + " is larger than the block (" + usable + " usable bytes)");
        }
        return byteSize;
    }

    /** Throws {@link IllegalStateException} when the allocator is closed. */
    abstract void checkOpen();

    // ================================================================== options, callbacks, huge pages

    @Override
    public final long option(Option option) {
        Objects.requireNonNull(option, "option");
        checkOpen();
        return engine().options.get(option);
    }

    @Override
    public final OptionValues options() {
        checkOpen();
        return engine().options.snapshot();
    }

    @Override
    public final void setOption(Option option, long value) {
        Objects.requireNonNull(option, "option");
        checkOpen();
        engine().setOption(option, value);
    }

    @Override
    public final void registerDeferredFree(DeferredFree deferredFree) {
        checkOpen();
        engine().registerDeferredFree(deferredFree);
    }

    @Override
    public final long reserveHugeOsPagesAt(long pages, int numaNode, long timeoutMillis) {
        checkOpen();
        return engine().reserveHugeOsPages(pages, numaNode, timeoutMillis, false);
    }

    @Override
    public final long reserveHugeOsPagesInterleave(long pages, int numaNodes, long timeoutMillis) {
        checkOpen();
        return engine().reserveHugeOsPages(pages, numaNodes, timeoutMillis, true);
    }

    @Override
    public final dev.nalloc.api.Heap newHeap(int tag, boolean allowDestroy, dev.nalloc.api.ArenaId arena) {
        if (tag < 0 || tag > 255) {
            throw new IllegalArgumentException("nalloc: a heap tag is 0 to 255, not " + tag);
        }
        dev.nalloc.api.Heap heap = arena == null ? newHeap() : newHeapInArena(arena);
        ((AbstractHeap) heap).localHeap().configure(tag, allowDestroy); // nothing handed out yet
        return heap;
    }

    @Override
    public final dev.nalloc.api.Heap defaultHeap() {
        dev.nalloc.api.Heap own = heap(); // checks open; makes the thread's data
        LocalHeap current = ((AbstractHeap) own).localHeap().tld.slot().heap;
        return current.defaultHandle instanceof dev.nalloc.api.Heap set ? set : own;
    }

    @Override
    public final dev.nalloc.api.Heap setDefaultHeap(dev.nalloc.api.Heap heap) {
        Objects.requireNonNull(heap, "heap");
        if (!(heap instanceof AbstractHeap h) || h.allocator() != this) {
            throw new IllegalArgumentException("nalloc: setDefaultHeap: the heap belongs to another allocator");
        }
        LocalHeap local = h.use(); // the owner thread, the heap alive, the allocator open
        dev.nalloc.api.Heap previous = defaultHeap();
        LocalHeap backing = local.tld.defaultHeap();
        local.defaultHandle = local == backing ? null : heap;
        engine().threads.setDefault(local);
        return previous;
    }

    /** The address a block of {@code page} was handed out at (heap visits); FAST: the block itself. */
    long visitedAddress(dev.nalloc.core.page.Page page, long block) {
        return block;
    }

    @Override
    public final boolean visitAbandonedBlocks(int heapTag, boolean visitAllBlocks, dev.nalloc.api.HeapVisitor visitor) {
        Objects.requireNonNull(visitor, "visitor");
        checkOpen();
        return engine().visitAbandoned(heapTag, visitAllBlocks, visitor, this::visitedAddress);
    }

    // ================================================================== aligned and realloc families

    @Override
    public final long mallocAligned(long size, long alignment) {
        return reallocs().allocate(null, size, alignment, 0, false);
    }

    @Override
    public final long mallocAlignedAt(long size, long alignment, long offset) {
        return reallocs().allocate(null, size, alignment, offset, false);
    }

    @Override
    public final long zallocAligned(long size, long alignment) {
        return reallocs().allocate(null, size, alignment, 0, true);
    }

    @Override
    public final long zallocAlignedAt(long size, long alignment, long offset) {
        return reallocs().allocate(null, size, alignment, offset, true);
    }

    @Override
    public final long callocAligned(long count, long size, long alignment) {
        return reallocs().allocateN(null, count, size, alignment, 0, true);
    }

    @Override
    public final long callocAlignedAt(long count, long size, long alignment, long offset) {
        return reallocs().allocateN(null, count, size, alignment, offset, true);
    }

    @Override
    public final long realloc(long address, long newSize) {
        return reallocs().realloc(null, address, newSize, 1, 0, false, false, "realloc");
    }

    @Override
    public final long reallocf(long address, long newSize) {
        return reallocs().realloc(null, address, newSize, 1, 0, false, true, "reallocf");
    }

    @Override
    public final long reallocn(long address, long count, long size) {
        return reallocs().reallocN(null, address, count, size, 1, 0, false, "realloc");
    }

    @Override
    public final long rezalloc(long address, long newSize) {
        return reallocs().realloc(null, address, newSize, 1, 0, true, false, "rezalloc");
    }

    @Override
    public final long recalloc(long address, long count, long size) {
        return reallocs().reallocN(null, address, count, size, 1, 0, true, "rezalloc");
    }

    @Override
    public final long expand(long address, long newSize) {
        return reallocs().expand(address, newSize);
    }

    @Override
    public final long reallocAligned(long address, long newSize, long alignment) {
        return reallocs().realloc(null, address, newSize, alignment, 0, false, false, "realloc");
    }

    @Override
    public final long reallocAlignedAt(long address, long newSize, long alignment, long offset) {
        return reallocs().realloc(null, address, newSize, alignment, offset, false, false, "realloc");
    }

    @Override
    public final long rezallocAligned(long address, long newSize, long alignment) {
        return reallocs().realloc(null, address, newSize, alignment, 0, true, false, "rezalloc");
    }

    @Override
    public final long rezallocAlignedAt(long address, long newSize, long alignment, long offset) {
        return reallocs().realloc(null, address, newSize, alignment, offset, true, false, "rezalloc");
    }

    @Override
    public final long recallocAligned(long address, long count, long size, long alignment) {
        return reallocs().reallocN(null, address, count, size, alignment, 0, true, "rezalloc");
    }

    @Override
    public final long recallocAlignedAt(long address, long count, long size, long alignment, long offset) {
        return reallocs().reallocN(null, address, count, size, alignment, offset, true, "rezalloc");
    }
}
