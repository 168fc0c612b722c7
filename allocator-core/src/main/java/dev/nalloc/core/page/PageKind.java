package dev.nalloc.core.page;

/** The kinds of pages (mimalloc's {@code mi_page_kind_t}). */
public enum PageKind {
    /** One slice (64 KiB) of blocks up to 8 KiB. */
    SMALL,
    /** Eight slices (512 KiB) of blocks up to 64 KiB. */
    MEDIUM,
    /** One block up to 16 MiB on a span of slices. */
    LARGE,
    /** One block in a segment of its own. */
    HUGE
}
