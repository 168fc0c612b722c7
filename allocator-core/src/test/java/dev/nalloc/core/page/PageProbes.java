package dev.nalloc.core.page;

/**
 * Tests outside the page package reach its engine-only state here: the members are package-private
 * because only tests look at them.
 */
public final class PageProbes {

    private PageProbes() {
    }

    /** {@link Page#delayedState}. */
    public static int delayedState(Page page) {
        return page.delayedState();
    }

    /** {@link PageMode#guard}. */
    public static long guard(PageMode mode) {
        return mode.guard();
    }

    /** {@link EncodedPage#EMPTY}. */
    public static EncodedPage encodedEmpty() {
        return EncodedPage.EMPTY;
    }
}
