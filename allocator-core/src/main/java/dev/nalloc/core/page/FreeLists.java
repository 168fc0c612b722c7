package dev.nalloc.core.page;

import dev.nalloc.core.memory.Mem;

/** Free-list lengths for the per-bin totals (owner thread, slow paths only). */
public final class FreeLists {

    private FreeLists() {
    }

    /**
     * Blocks on the page's {@code free} list, known without a walk when one of the two owner lists is
     * empty: {@code capacity - used} are free, and {@code localFree} holds the rest. A walk stops at
     * a link that leaves the page or at {@code capacity} blocks (a corrupt list makes the totals
     * approximate, never fails).
     */
    static long freeLength(Page page) {
        if (page.localFree == 0) {
            return Math.max(0, page.capacity - page.used);
        }
        return length(page, page.free);
    }

    /**
     * The blocks of {@code page}, now ending (freed, or emptied for reuse), that were allocated and
     * not yet counted as freed: of its {@code capacity} carved blocks those not on its {@code free}
     * list, and the blocks its rewinds gave back wholesale (kept on the page until now, see
     * {@link Page#takeRewound}, which this takes).
     */
    public static long takeEnded(Page page) {
        return page.capacity - freeLength(page) + page.takeRewound();
    }

    /** The length of a list of the page's blocks, stopping as {@link #freeLength} says. */
    public static long length(Page page, long head) {
        long n = 0;
        boolean encoded = page.isEncoded();
        for (long b = head; b != 0 && n < page.capacity && page.holds(b); b = encoded ? next(page, b) : Mem.load(b)) {
            n++;
        }
        return n;
    }

    /** The decoded link on an encoded page (CHECKED, SECURE), or 0 where it is broken. */
    private static long next(Page page, long block) {
        try {
            return page.nextFree(block);
        } catch (FreeListCorruption e) {
            return 0;
        }
    }
}
