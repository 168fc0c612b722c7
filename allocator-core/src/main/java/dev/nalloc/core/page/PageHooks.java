package dev.nalloc.core.page;

/**
 * What a CHECKED or SECURE instance does to each page its heaps make (keys for encoded free
 * lists, a random carving order, a guard page), right after {@link Page#init} and before the
 * first extension. FAST instances have none: their heaps never call out.
 */
@FunctionalInterface
public interface PageHooks {

    /** Called on the owner thread for every new page (huge ones included). */
    void pageCreated(Page page);
}
