package dev.nalloc.core;

import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.memory.Layout;

/**
 * The aligned and realloc families (mimalloc's {@code alloc-aligned.c} and
 * {@code _mi_heap_realloc_zero}): one implementation for every mode, for the
 * {@link dev.nalloc.api.Allocator} (the calling thread's heap, {@code heap == null}) and for a
 * {@link dev.nalloc.api.Heap} (its own heap, checked by the caller). What differs between modes
 * (how a block is allocated, found, resized in place and freed) is a {@link Blocks}.
 *
 * <p>A re-allocation first asks the mode about the old block (which reports misuse), then either
 * keeps it in place or allocates the new block, copies, zeroes what the block gained (the zeroing
 * forms) and only then frees the old block: a failed allocation leaves the old block as it was.
 * Once the old block is freed the re-allocation is complete: OS trouble that free reports at its
 * end (see {@link Reporter#flush}) waits for the thread's next report, so that the caller always
 * gets the new block (or 0 with the old block untouched), never an exception with a freed block in
 * hand.
 */
final class Reallocs {

    /** {@link Blocks#resize}: the block is not a live block of the allocator (reported). */
    static final long MISUSE = -1;
    /** {@link Blocks#resize}: the block now holds the new size where it is. */
    static final long IN_PLACE = -2;

    /** The primitives of one mode; what every mode does alike (lifecycle, the thread's heap, the reporter) is here. */
    abstract static class Blocks {

        private final AbstractAllocator allocator;

        Blocks(AbstractAllocator allocator) {
            this.allocator = allocator;
        }

        /** Throws {@link IllegalStateException} when the allocator is closed. */
        final void checkOpen() {
            allocator.checkOpen();
        }

        /** The heap the calling thread allocates in, held for one operation: give it back with {@link #giveBack}. */
        final LocalHeap takeHeap() {
            return allocator.enter().heap;
        }

        final void giveBack(LocalHeap heap) {
            heap.tld.slot().exit();
        }

        /**
         * A block of {@code size} bytes in {@code heap} at an address {@code a} with
         * {@code (a + offset) % alignment == 0}, zero-filled when {@code zero}; 0 when out of memory or
         * too large (reported). The arguments are valid.
         */
        abstract long allocate(LocalHeap heap, long size, long alignment, long offset, boolean zero);

        /** The usable size of the live block at {@code address}, or {@link #MISUSE} after reporting why it is not one. */
        abstract long usable(long address, String op);

        /**
         * Looks at the live block at {@code address} for a re-allocation to {@code newSize} bytes with
         * {@code (result + offset) % alignment == 0}: resizes it in place when the mode's rule allows
         * ({@link #IN_PLACE}; with {@code zero}, bytes it gains beyond what was usable read as zero),
         * otherwise returns its usable size (the bytes a move copies), or {@link #MISUSE} after reporting
         * why it is not a live block. The default is mimalloc's rule on the usable size
         * ({@link #fitsInPlace}), which never gains bytes.
         */
        long resize(long address, long newSize, long alignment, long offset, boolean zero, String op) {
            long usable = usable(address, op);
            if (usable < 0) {
                return MISUSE;
            }
            return fitsInPlace(address, usable, newSize, alignment, offset) ? IN_PLACE : usable;
        }

        /** Frees the block at {@code address}, which {@link #resize} found live. */
        abstract void release(long address, String op);

        /** The instance's reporter (OS trouble a free met is reported through it). */
        final Reporter reporter() {
            return allocator.engine.reporter;
        }
    }

    private final Blocks blocks;

    Reallocs(Blocks blocks) {
        this.blocks = blocks;
    }

    /**
     * mimalloc's rule for staying in place, on {@code room} bytes from {@code address}: the new size
     * fits and wastes at most half of the room; without alignment ({@code alignment <= 8}, offset 0:
     * {@code _mi_heap_realloc_zero}) the new size is positive (a realloc to 0 gets a fresh block), with
     * it ({@code mi_heap_realloc_zero_aligned_at}) the address has the alignment at the offset.
     */
    static boolean fitsInPlace(long address, long room, long newSize, long alignment, long offset) {
        if (newSize > room) {
            return false;
        }
        if (alignment <= SizeClasses.WORD && offset == 0) {
            return newSize > 0 && newSize >= room / 2;
        }
        return newSize >= room - room / 2 && ((address + offset) & (alignment - 1)) == 0;
    }

    // ================================================================== arguments

    private static void checkAligned(long size, long alignment, long offset) {
        Args.checkSize(size, "size");
        Args.checkSize(offset, "offset");
        Args.checkAlignment(alignment);
    }

    // ================================================================== aligned allocation

    /**
     * An aligned (and with {@code zero} zero-filled) block in {@code heap}, or in the calling
     * thread's heap when {@code heap} is null.
     */
    long allocate(LocalHeap heap, long size, long alignment, long offset, boolean zero) {
        if (heap == null) {
            blocks.checkOpen();
        }
        checkAligned(size, alignment, offset);
        return allocateChecked(heap, size, alignment, offset, zero);
    }

    /** {@link #allocate} of {@code count * size} bytes: 0 when the product overflows. */
    long allocateN(LocalHeap heap, long count, long size, long alignment, long offset, boolean zero) {
        if (heap == null) {
            blocks.checkOpen();
        }
        long total = Args.product(count, size);
        Args.checkSize(offset, "offset");
        Args.checkAlignment(alignment);
        return total < 0 ? 0 : allocateChecked(heap, total, alignment, offset, zero);
    }

    private long allocateChecked(LocalHeap heap, long size, long alignment, long offset, boolean zero) {
        if (heap != null) {
            return blocks.allocate(heap, size, alignment, offset, zero);
        }
        LocalHeap h = blocks.takeHeap();
        try {
            return blocks.allocate(h, size, alignment, offset, zero);
        } finally {
            blocks.giveBack(h);
        }
    }

    // ================================================================== re-allocation

    /**
     * The whole realloc family: {@code realloc} (alignment 1, offset 0), {@code rezalloc}
     * ({@code zero}), the aligned forms, and {@code reallocf} ({@code freeOnFailure}: the old block
     * is freed when the new one cannot be had; a misuse is only reported).
     *
     * @param heap where a new block goes, or null for the calling thread's heap
     */
    long realloc(LocalHeap heap, long address, long newSize, long alignment, long offset, boolean zero,
                 boolean freeOnFailure, String op) {
        if (heap == null) {
            blocks.checkOpen();
        }
        checkAligned(newSize, alignment, offset);
        if (address == 0) {
            return allocateChecked(heap, newSize, alignment, offset, zero);
        }
        long usable = blocks.resize(address, newSize, alignment, offset, zero, op);
        if (usable == IN_PLACE) {
            return address;
        }
        if (usable == MISUSE) {
            return 0;
        }
        // A huge block is zeroed by its allocation, which writes nothing to fresh OS memory (it reads
        // as zero); any other block only past what is copied.
        boolean zeroed = zero && newSize > Layout.LARGE_OBJ_SIZE_MAX;
        long fresh = allocateChecked(heap, newSize, alignment, offset, zeroed);
        if (fresh == 0) {
            if (freeOnFailure) {
                releaseMoved(address, op);
            }
            return 0;
        }
        long copied = Math.min(usable, newSize);
        Mem.copy(address, fresh, copied);
        if (zero && !zeroed) {
            // Past the copy up to the new block's usable size: what the block gained reads as zero,
            // and so does what a later in-place growth (within the usable size) would hand out.
            long end = blocks.usable(fresh, op);
            if (end > copied) {
                Mem.zero(fresh + copied, end - copied);
            }
        }
        releaseMoved(address, op);
        return fresh;
    }

    /**
     * Frees the old block of a re-allocation that is otherwise complete: an exception a flush of
     * OS trouble delivered at the end of that free (the block is freed by then) is kept for the
     * thread's next report; any other exception (misuse found by the free) goes to the caller.
     */
    private void releaseMoved(long address, String op) {
        try {
            blocks.release(address, op);
        } catch (RuntimeException | Error e) {
            Reporter reporter = blocks.reporter();
            if (!reporter.delivered(e)) {
                throw e;
            }
            reporter.deliverLater(e);
        }
    }

    /** {@link #realloc} of {@code count * size} bytes: 0 (the block untouched) when the product overflows. */
    long reallocN(LocalHeap heap, long address, long count, long size, long alignment, long offset, boolean zero,
                  String op) {
        if (heap == null) {
            blocks.checkOpen();
        }
        long total = Args.product(count, size);
        Args.checkSize(offset, "offset");
        Args.checkAlignment(alignment);
        return total < 0 ? 0 : realloc(heap, address, total, alignment, offset, zero, false, op);
    }

    /** mimalloc's {@code mi_expand}: {@code address} when its usable size covers {@code newSize}, else 0. */
    long expand(long address, long newSize) {
        blocks.checkOpen();
        Args.checkSize(newSize, "size");
        if (address == 0) {
            return 0;
        }
        long usable = blocks.usable(address, "expand");
        return usable >= 0 && newSize <= usable ? address : 0;
    }
}
