package dev.nalloc.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;

import static dev.nalloc.core.BytecodeSizes.FREQ_INLINE_SIZE;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SECURE's fast paths reach the speed they have only when C2 inlines {@code malloc} and
 * {@code free} into the program's loops, which it does not once their compiled code is big: so the
 * slow paths must never be inlined into them. C2 does not inline a hot method of more than 325
 * bytes of bytecode ({@code -XX:FreqInlineSize}); the slow paths are kept above that, in one piece
 * each, and the fast paths well below. This guards the sizes (a refactoring that splits
 * {@code allocate} or {@code resolve} would silently bring the slowdown back).
 */
class SecureInliningTest {

    @Test
    void slowPathsAreTooBigToInlineAndFastPathsAreSmall() throws IOException {
        Map<String, Integer> sizes = BytecodeSizes.of(SecureAllocator.class);
        for (String slow : new String[]{"allocate", "resolve"}) {
            assertTrue(sizes.get(slow) > FREQ_INLINE_SIZE, slow + " must stay over " + FREQ_INLINE_SIZE + " bytes: " + sizes);
        }
        for (String fast : new String[]{"malloc", "free", "freeSlow"}) {
            assertTrue(sizes.get(fast) < FREQ_INLINE_SIZE / 2, fast + " must stay small: " + sizes);
        }
    }
}
