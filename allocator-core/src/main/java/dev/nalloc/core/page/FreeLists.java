package dev.nalloc.core.page;

import dev.nalloc.core.memory.Mem;

/** Free-list lengths for the per-bin totals (owner thread, slow paths only). */
public final class FreeLists {

    private FreeLists() {
    }

    /**
     * Blocks on the page's {@code free} list, known without a walk when {@code localFree} is empty:
     * {@code capacity - used} are free. Otherwise the two owner lists hold those blocks between them
     * ({@code |free| + |localFree| = capacity - used}), so walking either one to its end gives both:
     * they are walked side by side and the walk stops at the end of the shorter one. A page that
     * empties through a delayed free (its thread-free list collected onto {@code free}, the one
     * delayed block on {@code localFree}) then costs two loads, not a walk of the whole page, whose
     * blocks the freeing thread's cache holds. A walk stops at a link that leaves the page or at
     * {@code capacity} blocks (a corrupt list makes the totals approximate, never fails).
     */
    static long freeLength(Page page) {
        if (page.localFree == 0) {
            return Math.max(0, page.capacity - page.used);
        }
        boolean encoded = page.isEncoded();
        int capacity = page.capacity;
        long f = page.free;
        long l = page.localFree;
        long n = 0;
        while (true) {
            if (f == 0 || n >= capacity || !page.holds(f)) {
                return n; // the free list ended first: its length
            }
            if (l == 0 || !page.holds(l)) {
                return Math.max(0, capacity - page.used - n); // localFree ended first (n blocks)
            }
            n++;
            f = encoded ? next(page, f) : Mem.load(f);
            l = encoded ? next(page, l) : Mem.load(l);
        }
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
