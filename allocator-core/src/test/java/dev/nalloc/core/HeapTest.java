package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.api.HeapArea;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.heap.HeapProbes;
import dev.nalloc.core.stats.StatsProbes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(FreshAllocator.class)
class HeapTest {

    @FreshAllocator.Fresh
    private Allocator a;

    private static LocalHeap local(Heap h) {
        return ((NallocHeap) h).localHeap();
    }

    @Test
    void heapAllocationsHaveTheAllocatorSemantics() {
        Heap h = a.newHeap();
        assertSame(a, h.allocator());
        long p = h.malloc(100);
        long z = h.zalloc(5000);
        long c = h.calloc(10, 10);
        long n = h.mallocn(3, 7);
        long al = h.mallocAligned(10, 4096);
        long at = h.mallocAlignedAt(10, 256, 16);
        long za = h.zallocAligned(300, 128);
        assertTrue(TestAllocators.isZero(z, 5000) && TestAllocators.isZero(c, 100) && TestAllocators.isZero(za, 300));
        assertEquals(0, al % 4096);
        assertEquals(0, (at + 16) % 256);
        assertEquals(0, za % 128);
        assertEquals(0, h.calloc(Long.MAX_VALUE, 2));
        assertThrows(IllegalArgumentException.class, () -> h.malloc(-1));
        TestAllocators.fill(p, 100, 4);
        long r = h.realloc(p, 10_000);
        assertTrue(TestAllocators.check(r, 100, 4));
        for (long b : new long[]{r, z, c, n, al, at, za}) {
            assertTrue(h.contains(b));
            a.free(b);
        }
        HeapProbes.checkInvariants(local(h));
    }

    @Test
    void containsSeesOnlyThisHeapsPages() {
        Heap h1 = a.newHeap();
        Heap h2 = a.newHeap();
        long p1 = h1.malloc(64);
        long p2 = h2.malloc(64);
        assertTrue(h1.contains(p1));
        assertFalse(h1.contains(p2));
        assertTrue(h2.contains(p2));
        assertFalse(a.heap().contains(p1));
        assertFalse(h1.contains(12345));
        long huge = h1.malloc(40L << 20);
        assertTrue(h1.contains(huge + 1000));
        a.free(huge);
        assertFalse(h1.contains(huge));
        h1.destroy();
        h2.destroy();
    }

    @Test
    void destroyReleasesEveryBlockAtOnce() {
        Heap h = a.newHeap();
        long before = a.stats().allocationCount();
        for (int i = 0; i < 5000; i++) {
            h.malloc(16 + (i % 100) * 24);
        }
        h.malloc(200_000);
        h.malloc(30L << 20);
        assertEquals(before + 5002, a.stats().allocationCount());
        long pagesBefore = StatsProbes.pages((dev.nalloc.core.stats.StatsSnapshot) a.stats());
        h.destroy();
        assertEquals(before, a.stats().allocationCount());
        assertEquals(0, a.stats().allocated());
        assertTrue(StatsProbes.pages((dev.nalloc.core.stats.StatsSnapshot) a.stats()) < pagesBefore);
        assertEquals(0, StatsProbes.hugeSegments((dev.nalloc.core.stats.StatsSnapshot) a.stats()));
        assertThrows(IllegalStateException.class, () -> h.malloc(8));
        assertThrows(IllegalStateException.class, () -> h.collect(false));
        assertThrows(IllegalStateException.class, h::destroy);
        h.close(); // closing a destroyed heap does nothing
        a.collect(true);
        a.heap().collect(true);
    }

    @Test
    void aDestroyedHeapsHandleStaysDeadWhenItsEngineHeapIsReused() {
        Heap first = a.newHeap();
        first.malloc(64);
        first.destroy();
        Heap second = a.newHeap();
        assertSame(local(first), local(second), "small destroyed heaps are pooled and reused");
        long p = second.malloc(64);
        assertNotEquals(0, p);
        assertThrows(IllegalStateException.class, () -> first.malloc(64));
        assertFalse(first.contains(p));
        assertTrue(second.contains(p));
        second.destroy();
    }

    @Test
    void thePoolHoldsFourHeapsKeepsTheirSlotsWhileInUseAndDrains() {
        Heap[] hs = new Heap[6];
        for (int i = 0; i < hs.length; i++) {
            hs[i] = a.newHeap();
            hs[i].malloc(64);
        }
        LocalHeap[] locals = new LocalHeap[hs.length];
        for (int i = 0; i < hs.length; i++) {
            locals[i] = local(hs[i]);
            hs[i].destroy();
        }
        dev.nalloc.core.heap.ThreadData tld = locals[0].tld;
        assertEquals(4, HeapProbes.pooledHeaps(tld), "four slots");
        // Taking and returning one heap many times reuses it; it keeps its slot while in use.
        Heap again = a.newHeap();
        LocalHeap reused = local(again);
        assertEquals(3, HeapProbes.pooledHeaps(tld));
        again.destroy();
        assertEquals(4, HeapProbes.pooledHeaps(tld));
        for (int i = 0; i < 100; i++) {
            Heap h = a.newHeap();
            assertSame(reused, local(h), "the same pooled heap comes back");
            h.malloc(64);
            h.destroy();
        }
        assertEquals(4, HeapProbes.pooledHeaps(tld));
        // A taken heap that goes away for good (delete) frees its slot for another heap.
        Heap taken = a.newHeap();
        taken.close();
        assertEquals(3, HeapProbes.pooledHeaps(tld));
        Heap fresh = a.newHeap(); // from the pool
        Heap fresh2 = a.newHeap();
        Heap fresh3 = a.newHeap();
        Heap fresh4 = a.newHeap(); // the pool is empty now: a new heap
        assertEquals(0, HeapProbes.pooledHeaps(tld));
        fresh4.destroy(); // takes the free slot
        assertEquals(1, HeapProbes.pooledHeaps(tld));
        fresh.destroy();
        fresh2.destroy();
        fresh3.destroy();
        assertEquals(4, HeapProbes.pooledHeaps(tld));
        a.collect(true); // drains the pool
        assertEquals(0, HeapProbes.pooledHeaps(tld));
        Heap after = a.newHeap();
        for (LocalHeap l : locals) {
            assertNotSame(l, local(after), "drained heaps are not reused");
        }
        after.destroy();
    }

    @Test
    void deleteKeepsBlocksValidInTheDefaultHeap() {
        Heap h = a.newHeap();
        long[] ps = new long[3000];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = h.malloc(8 + (i % 50) * 8);
            TestAllocators.fill(ps[i], 8 + (i % 50) * 8, i);
        }
        h.close();
        assertThrows(IllegalStateException.class, () -> h.malloc(8));
        Heap def = a.heap();
        for (int i = 0; i < ps.length; i++) {
            assertTrue(def.contains(ps[i]), "block moved to the default heap");
            assertTrue(TestAllocators.check(ps[i], 8 + (i % 50) * 8, i));
        }
        HeapProbes.checkInvariants(local(def));
        for (long p : ps) {
            a.free(p);
        }
        HeapProbes.checkInvariants(local(def));
        assertEquals(0, a.stats().allocationCount());
    }

    @Test
    void theDefaultHeapCannotBeDestroyedAndClosingItDoesNothing() {
        Heap def = a.heap();
        assertSame(def, a.heap());
        def.close();
        long p = def.malloc(10);
        assertThrows(UnsupportedOperationException.class, def::destroy);
        a.free(p);
    }

    @Test
    void visitSeesEveryLiveBlockOnceAndAreas() {
        Heap h = a.newHeap();
        Set<Long> live = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            long p = h.malloc(24 + (i % 7) * 100);
            if (i % 3 == 0) {
                a.free(p);
            } else {
                live.add(p);
            }
        }
        long huge = h.malloc(20L << 20);
        live.add(huge);
        Set<Long> seen = new HashSet<>();
        int[] areas = new int[1];
        h.visitBlocks(true, (HeapArea area, long block, long size) -> {
            if (block == 0) {
                areas[0]++;
                assertTrue(area.used() <= area.reserved() / area.blockSize());
                assertTrue(area.committed() <= area.reserved());
            } else {
                assertTrue(seen.add(block), "visited twice");
                assertEquals(area.blockSize(), size);
                assertTrue(block >= area.blocks() && block < area.blocks() + area.reserved());
            }
            return true;
        });
        assertEquals(live, seen);
        assertTrue(areas[0] >= 8, "one area per page: " + areas[0]);
        int[] calls = new int[1];
        h.visitBlocks(true, (area, block, size) -> ++calls[0] < 3);
        assertEquals(3, calls[0], "returning false stops the visit");
        h.destroy();
    }

    @Test
    void visitCountsBlocksFreedByOtherThreads() throws Exception {
        Heap h = a.newHeap();
        long[] ps = new long[100];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = h.malloc(64);
        }
        TestThreads.runOnNewThread(() -> {
            for (int i = 0; i < 50; i++) {
                a.free(ps[i]);
            }
        });
        long[] n = new long[1];
        h.visitBlocks(true, (area, block, size) -> {
            if (block != 0) {
                n[0]++;
            }
            return true;
        });
        assertEquals(50, n[0]);
        HeapProbes.checkInvariants(local(h));
        h.destroy();
    }

    @Test
    void anotherThreadCannotAllocateFromAHeapButMayFreeItsBlocks() throws Exception {
        Heap h = a.newHeap();
        long p = h.malloc(100);
        TestThreads.runOnNewThread(() -> {
            assertThrows(WrongThreadException.class, () -> h.malloc(10));
            assertThrows(WrongThreadException.class, h::destroy);
            a.free(p);
        });
        assertTrue(a.heap() != h);
        h.collect(true);
        HeapProbes.checkInvariants(local(h));
        h.destroy();
    }

    @Test
    void collectFreesEmptyPagesAndKeepsInvariants() {
        Heap h = a.newHeap();
        long[] ps = new long[4000];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = h.malloc(16 + (i % 30) * 16);
        }
        for (int i = 0; i < ps.length; i += 2) {
            a.free(ps[i]);
        }
        HeapProbes.checkInvariants(local(h));
        int pages = HeapProbes.pageCount(local(h));
        for (int i = 1; i < ps.length; i += 2) {
            a.free(ps[i]);
        }
        h.collect(false);
        assertTrue(HeapProbes.pageCount(local(h)) < pages, "empty pages were freed");
        HeapProbes.checkInvariants(local(h));
        h.collect(true);
        assertEquals(0, HeapProbes.pageCount(local(h)));
        h.destroy();
    }
}
