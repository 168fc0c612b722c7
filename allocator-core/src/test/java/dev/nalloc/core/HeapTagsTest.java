package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.ArenaId;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Heap tags ({@code Allocator.newHeap(tag, allowDestroy, arena)}, mimalloc's {@code mi_heap_new_ex}):
 * pages carry their heap's tag in visits, a heap that takes reclaimed pages cannot be destroyed,
 * reclaimed and deleted pages go to a heap of their tag, pooled heaps are retagged.
 */
class HeapTagsTest {

    private static Set<Integer> areaTags(Heap h) {
        Set<Integer> tags = new HashSet<>();
        h.visitBlocks(false, (area, block, size) -> {
            tags.add(area.heapTag());
            return true;
        });
        return tags;
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aTaggedHeapsPagesCarryItsTag(Mode mode) {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            Heap h = a.newHeap(5, true, null);
            assertEquals(5, h.tag());
            assertEquals(0, a.heap().tag());
            assertEquals(0, a.newHeap().tag());
            long p = h.malloc(100);
            long q = h.mallocAligned(3000, 256);
            a.malloc(100);
            assertEquals(Set.of(5), areaTags(h));
            assertEquals(Set.of(0), areaTags(a.heap()));
            Set<Integer> all = new HashSet<>();
            a.visitHeapAreas((area, block, size) -> {
                all.add(area.heapTag());
                return true;
            });
            assertEquals(Set.of(0, 5), all);
            assertTrue(h.contains(p) && h.contains(q));
            h.destroy();
            for (int bad : new int[]{-1, 256}) {
                assertThrows(IllegalArgumentException.class, () -> a.newHeap(bad, true, null));
            }
        }
    }

    @Test
    void aHeapThatTakesReclaimedPagesCannotBeDestroyedButCanBeClosed() {
        try (Allocator a = TestAllocators.create()) {
            Heap h = a.newHeap(3, false, null);
            long p = h.malloc(64);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, h::destroy);
            assertTrue(e.getMessage().startsWith("nalloc: this heap was made with allowDestroy false"), e.getMessage());
            assertTrue(h.contains(p), "nothing changed");
            h.close();
            a.free(p); // still valid after delete
        }
    }

    @Test
    void aDeletedTaggedHeapsPagesGoToAHeapOfItsTagElseToTheDefaultHeap() {
        try (Allocator a = TestAllocators.create()) {
            Heap keeper = a.newHeap(9, false, null);
            Heap h = a.newHeap(9, true, null);
            long p = h.malloc(200);
            h.close();
            assertTrue(keeper.contains(p), "the page went to the heap of tag 9 that takes pages");
            assertEquals(Set.of(9), areaTags(keeper));
            Heap other = a.newHeap(11, true, null);
            long q = other.malloc(200);
            other.close();
            assertTrue(a.heap().contains(q), "no heap of tag 11: the default heap");
            a.free(p);
            a.free(q);
        }
    }

    @Test
    void reclaimedPagesGoToTheHeapOfTheirTag() throws Exception {
        try (Allocator a = TestAllocators.builder().option(Option.VISIT_ABANDONED, 1)
                .option(Option.ABANDONED_RECLAIM_ON_FREE, 1).option(Option.MAX_SEGMENT_RECLAIM, 0).build()) {
            Set<Long> tagged = new TreeSet<>();
            Set<Long> untagged = new TreeSet<>();
            TestThreads.runOnNewThread(() -> {
                Heap t = a.newHeap(7, true, null);
                for (int i = 0; i < 50; i++) {
                    tagged.add(t.malloc(48));
                    untagged.add(a.malloc(48));
                }
                a.threadDone(); // its heaps are deleted into the default heap: the pages keep their tags
            });
            Set<Long> seen7 = new TreeSet<>();
            a.visitAbandonedBlocks(7, true, (area, block, size) -> {
                if (block != 0) {
                    assertEquals(7, area.heapTag());
                    seen7.add(block);
                }
                return true;
            });
            assertEquals(tagged, seen7, "a visit of tag 7 sees exactly the tag-7 blocks");
            Heap seven = a.newHeap(7, false, null); // takes over pages of tag 7
            long first = tagged.iterator().next();
            a.free(first); // abandoned_reclaim_on_free: this thread takes the segment over
            tagged.remove(first);
            for (long b : tagged) {
                assertTrue(seven.contains(b), "a tag-7 page went to the heap of tag 7");
            }
            for (long b : untagged) {
                assertTrue(a.heap().contains(b), "an untagged page went to the default heap");
            }
            tagged.forEach(a::free);
            untagged.forEach(a::free);
            seven.close();
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @Test
    void aPooledHeapTakesTheNewTagAndTaggedHeapsAreNotPooled() {
        try (Allocator a = TestAllocators.create()) {
            Heap plain = a.newHeap();
            plain.malloc(64);
            plain.destroy(); // pooled, with its emptied page
            Heap tagged = a.newHeap(4, true, null); // may be the pooled one: its page is retagged
            long p = tagged.malloc(64);
            assertEquals(Set.of(4), areaTags(tagged));
            tagged.destroy(); // a tagged heap is not pooled
            Heap again = a.newHeap();
            again.malloc(64);
            assertEquals(Set.of(0), areaTags(again), "no page of tag 4 came back with a pooled heap: " + Long.toHexString(p));
            again.destroy();
        }
    }

    @Test
    void aTaggedHeapInAnArena() {
        try (Allocator a = TestAllocators.create()) {
            ArenaId arena = a.reserveOsMemory(64L << 20, false, true);
            Heap h = a.newHeap(2, true, arena);
            long p = h.malloc(1000);
            assertTrue(p >= arena.address() && p < arena.address() + arena.size(), "from the arena");
            assertEquals(Set.of(2), areaTags(h));
            h.destroy();
        }
    }
}
