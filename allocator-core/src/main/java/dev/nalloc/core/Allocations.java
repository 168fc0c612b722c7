package dev.nalloc.core;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentMap;

/**
 * The engine's allocations in a given heap, with their arguments checked (mimalloc's
 * {@code alloc.c} and {@code alloc-aligned.c} entry points): plain, zeroed and aligned blocks. FAST
 * calls them for everything beyond its fast path; CHECKED and SECURE for the blocks they place
 * themselves (medium, large, huge, aligned, guarded).
 */
final class Allocations {

    private final Engine engine;

    Allocations(Engine engine) {
        this.engine = engine;
    }

    /** Reports a request too large to ever succeed (out of memory): 0. */
    long tooLarge(long size) {
        engine.reporter.report(ErrorKind.OUT_OF_MEMORY, 0, "request of " + size + " bytes is too large");
        return 0;
    }

    /** A block of {@code size} bytes in {@code heap}, or 0 (reported). */
    long malloc(LocalHeap heap, long size) {
        Args.checkSize(size, "size");
        if (size > Layout.MAX_ALLOC_SIZE) {
            return tooLarge(size);
        }
        return heap.malloc(size);
    }

    /** A zero-filled block of {@code size} bytes in {@code heap}, or 0 (reported). */
    long zalloc(LocalHeap heap, long size) {
        Args.checkSize(size, "size");
        if (size > Layout.MAX_ALLOC_SIZE) {
            return tooLarge(size);
        }
        return heap.zalloc(size);
    }

    /**
     * mimalloc's {@code alloc-aligned.c}: naturally aligned size classes where they suffice,
     * otherwise over-allocation (the page is marked as holding aligned blocks so that interior
     * frees work), and beyond 16 MiB a huge segment aligned by the OS.
     */
    long aligned(LocalHeap heap, long size, long alignment, long offset, boolean zero) {
        Args.checkSize(size, "size");
        Args.checkSize(offset, "offset");
        Args.checkAlignment(alignment);
        if (size > Layout.MAX_ALLOC_SIZE) {
            return tooLarge(size);
        }
        if (alignment > Layout.MAX_ALLOC_SIZE) {
            engine.reporter.report(ErrorKind.OUT_OF_MEMORY, 0, "alignment of " + alignment + " bytes is too large");
            return 0;
        }
        long mask = alignment - 1;
        if ((offset & mask) == 0 && alignment <= Layout.SLICE_SIZE) {
            if (alignment <= SizeClasses.WORD) {
                return zero ? heap.zalloc(size) : heap.malloc(size);
            }
            // Pages start on 64 KiB boundaries: a block size that is a multiple of the alignment
            // (or a page of one block) gives aligned blocks.
            long s = Math.max(size, alignment);
            long bs = SizeClasses.blockSizeFor(s);
            if (bs > Layout.MEDIUM_OBJ_SIZE_MAX || (bs & mask) == 0) {
                return zero ? heap.zalloc(s) : heap.malloc(s);
            }
        }
        if (alignment > Layout.BLOCK_ALIGNMENT_MAX) {
            if (heap.isDead()) {
                throw new IllegalStateException("the heap has been destroyed or deleted");
            }
            long adjust = (alignment - (offset & mask)) & mask;
            Page page = heap.hugePage(size, alignment, adjust);
            engine.reporter.flush(); // OS trouble first: if the handler throws, no block was taken
            if (page == null) {
                engine.os.endRetryWindow();
                engine.reporter.report(ErrorKind.OUT_OF_MEMORY, 0, "no memory for " + size + " bytes aligned to " + alignment);
                return 0;
            }
            long block = heap.takeHugeBlock(page, zero);
            if (adjust != 0) {
                page.markAligned();
            }
            return block + adjust;
        }
        long over = size + mask;
        long block = zero ? heap.zalloc(over) : heap.malloc(over);
        if (block == 0) {
            return 0;
        }
        long adjust = (alignment - ((block + offset) & mask)) & mask;
        if (adjust != 0) {
            Segment seg = SegmentMap.lookup(block);
            if (seg == null) { // only a close racing with this call takes the block's segment out of the map
                engine.checkOpen();
            }
            Page.of(seg, block).markAligned();
        }
        return block + adjust;
    }
}
