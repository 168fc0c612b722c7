package dev.nalloc.core.heap;

import dev.nalloc.core.BytecodeSizes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static dev.nalloc.core.BytecodeSizes.FREQ_INLINE_SIZE;
import static dev.nalloc.core.BytecodeSizes.MAX_INLINE_SIZE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shapes of the heap's methods that C2's inlining limits force (marked "C2 shape" in their
 * javadoc): C2 inlines a hot callee only up to 325 bytes of bytecode ({@code -XX:FreqInlineSize}).
 * <ul>
 *   <li>{@link LocalHeap#mallocSmall} stays small: it is inlined into the allocators' and arenas'
 *       fast paths;</li>
 *   <li>its slow path {@link PageSearch#mallocGeneric} stays in one piece above the limit, so it is
 *       never inlined into the fast path (which would then be too big to be inlined itself);</li>
 *   <li>{@link HeapDestroy#destroy} stays in one piece above the limit and {@link LocalHeap#destroy}
 *       only calls it, so an arena's close stays small enough to be inlined and its objects are
 *       removed by escape analysis;</li>
 *   <li>{@link PageRetire#retire}, inlined into every free fast path, is only its check and one call,
 *       and {@link PageRetire#retireAndReport} is over the limit for cold call sites (35 bytes,
 *       {@code -XX:MaxInlineSize}), so the compiled free stays small whatever the profile: inlined,
 *       it took a method holding a malloc and a free over {@code -XX:InlineSmallCode}, and C2 then
 *       stopped inlining that method into callers compiled after it.</li>
 *   <li>{@link PageSearch}'s periodic tasks (the deferred-free function, the light collection) are
 *       one call at a site taken about once in a hundred generic calls, over the limit for cold
 *       call sites: inlined, the collection's test, never due while C2 compiled the generic path,
 *       trapped at the first collection and threw the compiled generic path away.</li>
 *   <li>the generic path's exposure after a carve ({@link PageSearch#exposedByCarve}) is weighed by 0
 *       or 1, not tested: the test trapped at the first carve of the kind not seen while C2 compiled
 *       the generic path, and threw it away.</li>
 *   <li>{@link LocalHeap#popLocalFree} tests an empty list and waiting remote frees as one test by
 *       sign: a second branch, compiled before any other thread had freed into the page, trapped at
 *       the first remote free; {@link HeapGauges#account} adds a change of 0 like any other (its
 *       {@code d != 0} test, compiled while every look found a change, trapped at the first that
 *       found none).</li>
 * </ul>
 * A split of one of these into smaller methods would silently bring a slowdown back.
 */
class HeapShapeTest {

    @Test
    void fastPathIsSmallAndSlowPathsTooBigToInline() throws IOException {
        Map<String, Integer> heap = BytecodeSizes.of(LocalHeap.class);
        assertTrue(heap.get("mallocSmall") < FREQ_INLINE_SIZE / 4, "LocalHeap.mallocSmall must stay small: " + heap);
        assertTrue(heap.get("destroy") < 35, "LocalHeap.destroy must only call HeapDestroy.destroy (-XX:MaxInlineSize): " + heap);
        int generic = BytecodeSizes.of(PageSearch.class).get("mallocGeneric");
        assertTrue(generic > FREQ_INLINE_SIZE, "PageSearch.mallocGeneric must stay over " + FREQ_INLINE_SIZE + " bytes: " + generic);
        int destroy = BytecodeSizes.of(HeapDestroy.class).get("destroy");
        assertTrue(destroy > FREQ_INLINE_SIZE, "HeapDestroy.destroy must stay over " + FREQ_INLINE_SIZE + " bytes: " + destroy);
    }

    @Test
    void periodicTasksAreOutOfLine() throws IOException {
        Map<String, Integer> search = BytecodeSizes.of(PageSearch.class);
        assertTrue(search.get("housekeeping") > MAX_INLINE_SIZE,
                "PageSearch.housekeeping must stay over " + MAX_INLINE_SIZE + " bytes (not inlined at its cold call site): " + search);
    }

    @Test
    void carveExposureIsWeighedNotTested() throws IOException {
        assertEquals(0, BytecodeSizes.branches(PageSearch.class, "exposedByCarve"),
                "PageSearch.exposedByCarve must stay without a branch (a one-sided test trapped in the generic path)");
        List<String> generic = BytecodeSizes.calls(PageSearch.class, "mallocGeneric");
        assertTrue(generic.contains("PageSearch.exposedByCarve") && generic.contains("ThreadCounters.addExposed"),
                "mallocGeneric: " + generic);
    }

    @Test
    void retireOnTheFreePathIsACheckAndAnOutOfLineCall() throws IOException {
        Map<String, Integer> retire = BytecodeSizes.of(PageRetire.class);
        assertTrue(retire.get("retire") <= 16, "PageRetire.retire must stay the retired check and one call: " + retire);
        assertTrue(retire.get("retireAndReport") > MAX_INLINE_SIZE,
                "PageRetire.retireAndReport must stay over " + MAX_INLINE_SIZE + " bytes (not inlined at cold call sites): " + retire);
    }

    @Test
    void oneSidedTestsAreFoldedAway() throws IOException {
        assertEquals(1, BytecodeSizes.branches(LocalHeap.class, "popLocalFree"),
                "LocalHeap.popLocalFree must test the list and the remote frees as one test by sign");
        assertEquals(1, BytecodeSizes.branches(HeapGauges.class, "account"),
                "HeapGauges.account must test only for huge pages (a change of 0 is added like any other)");
        assertTrue(BytecodeSizes.calls(HeapGauges.class, "account").contains("ThreadCounters.blocksChanged"), "HeapGauges.account");
    }
}
