package dev.nalloc.core.memory;


/**
 * mimalloc's size classes ({@code _mi_bin}): word-exact bins up to 64 bytes, then four bins per
 * power of two (at most ~12.5% internal waste) up to {@link Layout#LARGE_OBJ_SIZE_MAX}; larger
 * requests are huge. Bin 0 is unused; {@link #BIN_HUGE} and {@link #BIN_FULL} are the special
 * queues of a heap.
 */
public final class SizeClasses {

    /** Word size in bytes. */
    public static final int WORD = 8;
    /** Sizes up to this many words are found through a heap's direct page table. */
    public static final int SMALL_WSIZE_MAX = 128;
    public static final long SMALL_SIZE_MAX = SMALL_WSIZE_MAX * WORD;
    private static final long LARGE_WSIZE_MAX = Layout.LARGE_OBJ_SIZE_MAX / WORD;

    /** The queue of huge pages (each its own segment). */
    public static final int BIN_HUGE = binOfWords(LARGE_WSIZE_MAX) + 1;
    /** The queue of full pages. */
    public static final int BIN_FULL = BIN_HUGE + 1;
    /** Queues per heap. */
    public static final int BIN_COUNT = BIN_FULL + 1;

    private static final long[] BIN_SIZE = new long[BIN_COUNT];

    static {
        for (int bin = 1; bin < BIN_HUGE; bin++) {
            BIN_SIZE[bin] = maxWordsOf(bin) * WORD;
        }
        BIN_SIZE[BIN_HUGE] = Layout.LARGE_OBJ_SIZE_MAX + WORD;
        BIN_SIZE[BIN_FULL] = Layout.LARGE_OBJ_SIZE_MAX + 2 * WORD;
    }

    private SizeClasses() {
    }

    /** The bin of a request of {@code size} bytes (0 maps to the 8-byte bin). */
    public static int bin(long size) {
        return binOfWords((size + WORD - 1) >>> 3);
    }

    private static int binOfWords(long wsize) {
        if (wsize <= 8) {
            return wsize == 0 ? 1 : (int) wsize;
        }
        if (wsize > LARGE_WSIZE_MAX) {
            return Integer.MAX_VALUE; // only while computing BIN_HUGE; callers check sizes first
        }
        long w = wsize - 1;
        int b = 63 - Long.numberOfLeadingZeros(w);
        return ((b << 2) + (int) ((w >>> (b - 2)) & 3)) - 3;
    }

    /** The largest word count mapping to {@code bin}: the inverse of {@link #binOfWords}. */
    private static long maxWordsOf(int bin) {
        if (bin <= 8) {
            return bin;
        }
        int b = (bin + 3) >>> 2;
        int r = (bin + 3) & 3;
        return (long) (5 + r) << (b - 2);
    }

    /** The block size of the blocks in a bin's pages. */
    public static long binSize(int bin) {
        return BIN_SIZE[bin];
    }

    /** True when a request of {@code size} bytes is huge (its own segment). */
    public static boolean isHuge(long size) {
        return size > Layout.LARGE_OBJ_SIZE_MAX;
    }

    /** The block size (usable size) that a request of {@code size} bytes gets. */
    public static long blockSizeFor(long size) {
        if (size <= Layout.LARGE_OBJ_SIZE_MAX) {
            return BIN_SIZE[bin(size)];
        }
        return Layout.alignUp(size, Layout.SLICE_SIZE);
    }

    /** Slices of a page holding blocks of {@code blockSize} (not for huge). */
    public static int pageSlices(long blockSize) {
        if (blockSize <= Layout.SMALL_OBJ_SIZE_MAX) {
            return Layout.SMALL_PAGE_SLICES;
        }
        return blockSize <= Layout.MEDIUM_OBJ_SIZE_MAX ? Layout.MEDIUM_PAGE_SLICES : (int) Layout.slicesFor(blockSize);
    }
}
