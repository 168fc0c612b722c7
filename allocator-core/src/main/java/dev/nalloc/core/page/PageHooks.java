package dev.nalloc.core.page;

/**
 * What a CHECKED or SECURE instance does to each page its heaps make (keys for encoded free
 * lists, a random carving order, a guard page), right after {@link Page#init} and before the
 * first extension. FAST instances have none: their heaps never call out.
 */
@FunctionalInterface
public interface PageHooks {

    /**
     * Called on the owner thread for every new page (huge ones included). {@code keptGuard} is the
     * guard page the page's span kept from its last page (SECURE; see {@link Page#guardPage}), or 0.
     */
    void pageCreated(Page page, long keptGuard);

    /**
     * Whether a page of {@code slices} slices and blocks of {@code blockSize} bytes may take over a
     * span that kept its guard page (SECURE): only when a block fits before the guard, so that the
     * kept guard is exactly where the page wants one and nothing has to be lifted.
     */
    default boolean takesKeptGuard(long blockSize, int slices) {
        return true;
    }
}
