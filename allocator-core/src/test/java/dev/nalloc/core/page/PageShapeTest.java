package dev.nalloc.core.page;

import dev.nalloc.core.BytecodeSizes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static dev.nalloc.core.BytecodeSizes.MAX_INLINE_SIZE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shapes of the page's methods that C2's compile volume depends on (marked "C2 shape" in their
 * javadoc). {@link Page#extend} is inlined into the page search's compiled code ({@code
 * PageSearch.pageWithFree}, the largest compilation of the multi-threaded workloads): every
 * {@code Mem.store} call site in it inlines the whole memory-segment access, so it has one, for the
 * links between the new blocks and the last one's link to the old free list. A second site (the
 * last link written after the loop) would silently bring those bytes back into every compilation
 * that carves.
 *
 * <p>The link methods (plain and encoded pages, {@link KeyedLinks}) stay within the size the first
 * tier, C1, inlines ({@code -XX:C1MaxInlineSize}, 35 bytes of bytecode, C2's {@code -XX:MaxInlineSize}
 * for cold call sites too): a short program runs much of its start in that tier's code, where every
 * call not inlined costs. {@link KeyedLinks} calls nothing, not even {@link Long#rotateLeft}, which
 * unoptimised code would call. {@link Page#accountedBlocks} has no branch: tests compiled while
 * every page was pristine trapped at the first page that was not.
 */
class PageShapeTest {

    @Test
    void extendStoresThroughOneCallSite() throws IOException {
        List<String> calls = BytecodeSizes.calls(Page.class, "extend");
        assertEquals(1, calls.stream().filter("Mem.store"::equals).count(), "Page.extend: " + calls);
    }

    @Test
    void linkMethodsInlineInTheFirstTier() throws IOException {
        assertWithinMaxInlineSize(Page.class, "popNext", "nextFree", "isValidLink", "isCarvedBlock");
        assertWithinMaxInlineSize(EncodedPage.class, "encodeLink", "encodeByCodec", "decodeAt", "decodeByCodec", "popEncoded",
                "mayBeFree", "freeRemoteEncoded");
        assertWithinMaxInlineSize(KeyedLinks.class, "encode", "decode");
        assertEquals(List.of(), BytecodeSizes.calls(KeyedLinks.class, "encode"), "KeyedLinks.encode");
        assertEquals(List.of(), BytecodeSizes.calls(KeyedLinks.class, "decode"), "KeyedLinks.decode");
    }

    @Test
    void accountedBlocksIsWeighedNotTested() throws IOException {
        assertEquals(0, BytecodeSizes.branches(Page.class, "accountedBlocks"),
                "Page.accountedBlocks must stay without a branch (its pristine test trapped)");
    }

    private static void assertWithinMaxInlineSize(Class<?> type, String... methods) throws IOException {
        Map<String, Integer> sizes = BytecodeSizes.of(type);
        for (String m : methods) {
            assertTrue(sizes.get(m) <= MAX_INLINE_SIZE,
                    type.getSimpleName() + "." + m + " must stay within " + MAX_INLINE_SIZE + " bytes: " + sizes.get(m));
        }
    }
}
