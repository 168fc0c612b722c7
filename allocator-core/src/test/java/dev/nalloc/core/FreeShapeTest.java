package dev.nalloc.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;

import static dev.nalloc.core.BytecodeSizes.FREQ_INLINE_SIZE;
import static dev.nalloc.core.BytecodeSizes.MAX_INLINE_SIZE;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FAST's free: the fast path is inlined into the program's loops, and its slow path must never be
 * inlined with it. Inlined, the slow path (lookup, routing, local and remote pushes, the full
 * queue) made every compilation of a loop that frees four times bigger, and C2, on the same cores
 * as the program, took that much longer before the loop ran compiled; an uncommon trap in it threw
 * all of that code away. C2 does not inline a hot method of more than 325 bytes of bytecode
 * ({@code -XX:FreqInlineSize}): {@link FreeRouting#freeAddress} is kept above that, in one piece,
 * and what leads to it is small. A split of it into smaller methods would silently bring the slow
 * warm-up back.
 */
class FreeShapeTest {

    @Test
    void freeSlowPathIsTooBigToInlineAndWhatLeadsToItIsSmall() throws IOException {
        int slow = BytecodeSizes.of(FreeRouting.class).get("freeAddress");
        assertTrue(slow > FREQ_INLINE_SIZE, "FreeRouting.freeAddress must stay over " + FREQ_INLINE_SIZE + " bytes: " + slow);
        Map<String, Integer> fast = BytecodeSizes.of(NallocAllocator.class);
        assertTrue(fast.get("free") < FREQ_INLINE_SIZE / 2, "NallocAllocator.free must stay small: " + fast);
        assertTrue(fast.get("freeSlow") <= MAX_INLINE_SIZE, "NallocAllocator.freeSlow must stay one call: " + fast);
    }
}
