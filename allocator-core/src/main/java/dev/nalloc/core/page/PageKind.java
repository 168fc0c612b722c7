package dev.nalloc.core.page;

import dev.nalloc.core.memory.Layout;

/** The kinds of pages (mimalloc's {@code mi_page_kind_t}). */
public enum PageKind {
    /** One slice (64 KiB) of blocks up to 8 KiB. */
    SMALL,
    /** Eight slices (512 KiB) of blocks up to 64 KiB. */
    MEDIUM,
    /** One block up to 16 MiB on a span of slices. */
    LARGE,
    /** One block in a segment of its own. */
    HUGE;

    /** The kind of page that holds blocks of {@code blockSize}. */
    public static PageKind of(long blockSize) {
        if (blockSize <= Layout.SMALL_OBJ_SIZE_MAX) {
            return SMALL;
        }
        if (blockSize <= Layout.MEDIUM_OBJ_SIZE_MAX) {
            return MEDIUM;
        }
        return blockSize <= Layout.LARGE_OBJ_SIZE_MAX ? LARGE : HUGE;
    }
}
