package dev.nalloc.core;

import dev.nalloc.core.heap.BlockFree;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static dev.nalloc.core.BytecodeSizes.MAX_INLINE_SIZE;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The owner's frees in {@link BlockFree}: one {@code local} for the slow paths (plain or encoded
 * links, the page possibly in the full queue) and two forced copies for the free fast paths, which
 * know that the page is not full and what kind it is. FAST's {@code localNotFull} stays within the
 * size both compilers inline at any call site ({@code -XX:MaxInlineSize}, {@code -XX:C1MaxInlineSize})
 * and names no {@code EncodedPage}; SECURE's {@code localEncodedNotFull} casts instead of testing
 * the class; neither has the full test, whose profile on a fast path is one-sided (a one-sided test
 * traps at the first call that takes its other side). Fails when a fast path calls the shared
 * {@code local}, when a copy gains a test, or when the shared form becomes small enough that
 * FAST's copy is no longer needed for its size.
 */
class BlockFreeShapeTest {

    @Test
    void fastPathsFreeThroughTheirOwnCopies() throws IOException {
        List<String> fast = BytecodeSizes.calls(NallocAllocator.class, "free");
        assertTrue(fast.contains("BlockFree.localNotFull") && !fast.contains("BlockFree.local"), "NallocAllocator.free: " + fast);
        List<String> secure = BytecodeSizes.calls(SecureAllocator.class, "free");
        assertTrue(secure.contains("BlockFree.localEncodedNotFull") && !secure.contains("BlockFree.local"),
                "SecureAllocator.free: " + secure);
    }

    @Test
    void fastPathCopiesHaveNoTestTheyNeverNeed() throws IOException {
        List<String> fast = BytecodeSizes.calls(BlockFree.class, "localNotFull");
        assertFalse(fast.stream().anyMatch(c -> c.startsWith("EncodedPage.")), "BlockFree.localNotFull names no EncodedPage: " + fast);
        assertFalse(fast.contains("Page.inFull"), "BlockFree.localNotFull has no full test: " + fast);
        List<String> secure = BytecodeSizes.calls(BlockFree.class, "localEncodedNotFull");
        assertFalse(secure.contains("Page.inFull"), "BlockFree.localEncodedNotFull has no full test: " + secure);
        assertTrue(BytecodeSizes.branches(BlockFree.class, "localNotFull") == 1
                        && BytecodeSizes.branches(BlockFree.class, "localEncodedNotFull") == 1,
                "the fast paths' copies test only for the page's last block");
        List<String> shared = BytecodeSizes.calls(BlockFree.class, "local");
        assertTrue(shared.contains("Page.inFull") && shared.contains("EncodedPage.encodeLink"), "BlockFree.local: " + shared);
    }

    @Test
    void fastCopyInlinesEverywhereAndTheSharedFormWouldNot() throws IOException {
        Map<String, Integer> sizes = BytecodeSizes.of(BlockFree.class);
        assertTrue(sizes.get("localNotFull") <= MAX_INLINE_SIZE,
                "BlockFree.localNotFull must stay within " + MAX_INLINE_SIZE + " bytes: " + sizes);
        assertTrue(sizes.get("local") > MAX_INLINE_SIZE,
                "BlockFree.local fits " + MAX_INLINE_SIZE + " bytes: FAST's fast path could use it (" + sizes + ")");
    }
}
