package dev.nalloc.core.page;

import dev.nalloc.core.BytecodeSizes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The shapes of the page's methods that C2's compile volume depends on (marked "C2 shape" in their
 * javadoc). {@link Page#extend} is inlined into the page search's compiled code ({@code
 * PageSearch.pageWithFree}, the largest compilation of the multi-threaded workloads): every
 * {@code Mem.store} call site in it inlines the whole memory-segment access, so it has one, for the
 * links between the new blocks and the last one's link to the old free list. A second site (the
 * last link written after the loop) would silently bring those bytes back into every compilation
 * that carves.
 */
class PageShapeTest {

    @Test
    void extendStoresThroughOneCallSite() throws IOException {
        List<String> calls = BytecodeSizes.calls(Page.class, "extend");
        assertEquals(1, calls.stream().filter("Mem.store"::equals).count(), "Page.extend: " + calls);
    }
}
