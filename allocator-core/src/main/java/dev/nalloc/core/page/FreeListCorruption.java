package dev.nalloc.core.page;

/**
 * Thrown inside the engine when a free list is found broken (longer than the page, or pointing
 * outside it). The broken list has already been dropped, so the page is consistent again; the
 * heap reports the error through the error handler.
 */
public final class FreeListCorruption extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Page page;

    FreeListCorruption(Page page, String message) {
        super(message, null, false, false);
        this.page = page;
    }

    /** The page whose list was broken. */
    Page page() {
        return page;
    }
}
