package dev.nalloc.core.heap;

import dev.nalloc.core.page.Page;

/** The address a block of a page was handed out at, or 0 when the mode does not count it live (heap visits). */
@FunctionalInterface
public interface BlockAddress {

    long of(Page page, long block);
}
