package dev.nalloc.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static dev.nalloc.core.BytecodeSizes.FREQ_INLINE_SIZE;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CHECKED's allocation, {@code CheckedAllocator.allocate}, is inlined into {@code ModeAllocator}'s
 * {@code malloc} and friends, where their constant alignment, offset and zero flag fold its tests
 * away: it stays under C2's hot-method limit ({@code -XX:FreqInlineSize}, 325 bytes of
 * bytecode) by making every rare case a call (a bad request, a sampled block, an aligned or large
 * block, the Java heap exhausted).
 */
class CheckedInliningTest {

    @Test
    void allocateStaysInlinableWithItsRareCasesOutOfLine() throws IOException {
        int size = BytecodeSizes.of(CheckedAllocator.class).get("allocate");
        assertTrue(size < FREQ_INLINE_SIZE, "CheckedAllocator.allocate must stay under " + FREQ_INLINE_SIZE + " bytes: " + size);
        List<String> calls = BytecodeSizes.calls(CheckedAllocator.class, "allocate");
        for (String rare : List.of("badRequest", "allocateGuarded", "allocateOther", "noJavaHeap")) {
            assertTrue(calls.contains("CheckedAllocator." + rare), "CheckedAllocator.allocate calls " + rare + ": " + calls);
        }
    }
}
