package dev.nalloc.core.memory;

/**
 * The fixed geometry of mimalloc v2 on 64-bit: 32 MiB segments of 64 KiB slices, small pages of
 * one slice, medium pages of eight, large pages of one block, huge blocks in their own segment.
 */
public final class Layout {

    public static final int SLICE_SHIFT = 16;
    public static final long SLICE_SIZE = 1L << SLICE_SHIFT;
    public static final int SEGMENT_SHIFT = 25;
    public static final long SEGMENT_SIZE = 1L << SEGMENT_SHIFT;
    static final long SEGMENT_MASK = SEGMENT_SIZE - 1;
    public static final int SLICES_PER_SEGMENT = (int) (SEGMENT_SIZE / SLICE_SIZE);

    static final int SMALL_PAGE_SLICES = 1;
    static final int MEDIUM_PAGE_SLICES = 8;
    public static final long SMALL_PAGE_SIZE = SMALL_PAGE_SLICES * SLICE_SIZE;
    static final long MEDIUM_PAGE_SIZE = MEDIUM_PAGE_SLICES * SLICE_SIZE;

    /** Blocks up to this size live in small pages. */
    public static final long SMALL_OBJ_SIZE_MAX = SMALL_PAGE_SIZE / 8;
    /** Blocks up to this size live in medium pages. */
    public static final long MEDIUM_OBJ_SIZE_MAX = MEDIUM_PAGE_SIZE / 8;
    /** Blocks up to this size get a large page of their own inside a shared segment; above it, huge. */
    public static final long LARGE_OBJ_SIZE_MAX = SEGMENT_SIZE / 2;
    /** Alignments up to this are served by over-allocating; above it a huge segment is aligned. */
    public static final long BLOCK_ALIGNMENT_MAX = SEGMENT_SIZE / 2;
    /** Requests above this can never be satisfied (beyond any 47-bit address space). */
    public static final long MAX_ALLOC_SIZE = 1L << 46;

    /** Free lists grow by about this many bytes of blocks at a time (one OS page). */
    public static final long MAX_EXTEND_BYTES = 4096;
    /** ... but by at least this many blocks. */
    public static final int MIN_EXTEND_BLOCKS = 4;

    private Layout() {
    }

    /** Slices needed for {@code bytes}. */
    public static long slicesFor(long bytes) {
        return (bytes + SLICE_SIZE - 1) >>> SLICE_SHIFT;
    }

    public static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
