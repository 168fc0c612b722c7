package dev.nalloc.core;

import dev.nalloc.core.heap.LocalHeap;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static dev.nalloc.core.BytecodeSizes.MAX_INLINE_SIZE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FAST's malloc: the fast path is inlined into the program's loops with what C2 finds hot behind
 * it. When the direct page's free list ran dry (once in dozens of calls), malloc makes one call,
 * {@code mallocRefill}, over the size C2 inlines at such a cold call site: it takes the page's local
 * frees ({@code LocalHeap.popLocalFree}) or enters the heap's generic path directly. Written out in
 * malloc, or behind a small wrapper that C2 inlines at any frequency, the refill (and, through
 * {@code mallocSlow} and {@code LocalHeap.mallocSmall}, a second pop and a second refill) was two
 * thirds of every compiled malloc's inlined bytecode. A change back would silently make every loop
 * that mallocs bigger to compile.
 */
class MallocShapeTest {

    @Test
    void refillIsOneOutOfLineCallToTheGenericPath() throws IOException {
        List<String> malloc = BytecodeSizes.calls(NallocAllocator.class, "malloc");
        assertTrue(malloc.contains("NallocAllocator.mallocRefill"), "malloc: " + malloc);
        assertFalse(malloc.contains("LocalHeap.popLocalFree"), "malloc: " + malloc);
        assertEquals(List.of("LocalHeap.popLocalFree", "NallocAllocator.enter", "LocalHeap.mallocGeneric", "HeapSlot.exit",
                "HeapSlot.exit"), BytecodeSizes.calls(NallocAllocator.class, "mallocRefill"),
                "NallocAllocator.mallocRefill: the local frees, else enter, the heap's generic path, exit (normal and exceptional)");
        Map<String, Integer> sizes = BytecodeSizes.of(NallocAllocator.class);
        assertTrue(sizes.get("mallocRefill") > MAX_INLINE_SIZE,
                "NallocAllocator.mallocRefill must stay over " + MAX_INLINE_SIZE + " bytes (not inlined at malloc's cold call site): " + sizes);
        Map<String, Integer> heap = BytecodeSizes.of(LocalHeap.class);
        assertTrue(heap.get("mallocGeneric") <= MAX_INLINE_SIZE, "LocalHeap.mallocGeneric must stay one call: " + heap);
    }
}
