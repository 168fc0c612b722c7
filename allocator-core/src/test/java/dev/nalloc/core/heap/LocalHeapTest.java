package dev.nalloc.core.heap;

import dev.nalloc.api.Allocator;
import dev.nalloc.core.FreshAllocator;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestEngines;
import dev.nalloc.core.TestThreads;
import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageQueues;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.core.page.PageProbes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thread's heaps ({@link LocalHeap}) driven directly on their owner thread: the owner's free path
 * (retire, leave the full queue), remote frees into full pages through the delayed list, collect,
 * destroy (pooled or not) and delete. The allocator only supplies the engine.
 */
@ExtendWith(FreshAllocator.class)
class LocalHeapTest {

    @FreshAllocator.Fresh
    private Allocator a;
    private LocalHeap own;

    @BeforeEach
    void open() {
        own = TestEngines.ownHeap(a);
    }

    private static Page pageOf(long block) {
        return Page.of(SegmentMap.lookup(block), block);
    }

    /** Allocates blocks of {@code size} in {@code heap} until the page of the first one is in the full queue. */
    private static List<Long> fillFirstPage(LocalHeap heap, long size) {
        List<Long> blocks = new ArrayList<>();
        blocks.add(heap.malloc(size));
        Page first = pageOf(blocks.get(0));
        for (int i = 0; !first.inFull() && i < 100_000; i++) {
            blocks.add(heap.malloc(size));
        }
        assertTrue(first.inFull(), "the page went to the full queue");
        return blocks;
    }

    @Test
    void freeingTheLastBlockRetiresTheBinsOnlyPageAndCollectFreesIt() {
        int pages = own.pageCount();
        long p = own.malloc(64);
        Page page = pageOf(p);
        assertSame(own, page.getVolatileHeap());
        assertEquals(pages + 1, own.pageCount());
        BlockFree.local(page, p);
        assertEquals(0, page.used());
        assertNotEquals(0, page.retireExpire(), "the only page of its bin is kept a while");
        assertEquals(pages + 1, own.pageCount());
        assertTrue(own.contains(p));
        own.collect(false);
        assertEquals(pages, own.pageCount(), "collect frees the empty page");
        assertFalse(own.contains(p));
        own.checkInvariants();
    }

    @Test
    void aFreeIntoAFullPageMovesItBackToTheEndOfItsBinsQueue() {
        List<Long> blocks = fillFirstPage(own, 1024);
        Page full = pageOf(blocks.get(0));
        assertEquals(SizeClasses.BIN_FULL, PageQueues.queueOf(full));
        BlockFree.local(full, blocks.get(0));
        assertFalse(full.inFull());
        assertEquals(full.bin(), PageQueues.queueOf(full));
        assertEquals(Page.NO_DELAYED_FREE, PageProbes.delayedState(full), "out of the full queue: remote frees go to the page again");
        own.checkInvariants();
        for (int i = 1; i < blocks.size(); i++) {
            long b = blocks.get(i);
            BlockFree.local(pageOf(b), b);
        }
        own.collect(true);
        own.checkInvariants();
    }

    @Test
    void remoteFreesIntoAFullPageWaitOnTheDelayedListUntilACollect() throws Exception {
        List<Long> blocks = fillFirstPage(own, 256);
        Page full = pageOf(blocks.get(0));
        assertEquals(Page.USE_DELAYED_FREE, PageProbes.delayedState(full));
        int used = full.used();
        TestThreads.runOnNewThread(() -> a.free(blocks.get(0)));
        assertTrue(full.inFull(), "the owner has not seen the free yet");
        assertEquals(used, full.used());
        assertEquals(0, full.threadFreeHead(), "the free went to the heap's delayed list, not the page");
        assertEquals(Page.NO_DELAYED_FREE, PageProbes.delayedState(full), "one delayed free is enough to wake the owner");
        TestThreads.runOnNewThread(() -> a.free(blocks.get(1)));
        assertEquals(blocks.get(1), full.threadFreeHead(), "the next one goes to the page's thread-free list");
        assertEquals(used, full.used());
        own.collect(false);
        assertFalse(full.inFull(), "the delayed free took the page out of the full queue");
        assertEquals(used - 2, full.used());
        full.checkInvariants();
        own.checkInvariants();
        for (int i = 2; i < blocks.size(); i++) {
            a.free(blocks.get(i));
        }
    }

    /** Frees the blocks of {@code page} among {@code blocks} on another thread (the first goes to the delayed list). */
    private void freeRemotely(List<Long> blocks, Page page) throws Exception {
        List<Long> mine = blocks.stream().filter(b -> pageOf(b) == page).toList();
        TestThreads.runOnNewThread(() -> mine.forEach(a::free));
    }

    /**
     * A full page that other threads emptied (its last frees reach the owner through the delayed
     * list) is kept at the end of its bin's queue, retired, and the bin's next page search takes its
     * blocks instead of making a fresh page; a bin keeps up to 4 MiB of such pages (64 small
     * ones, eight medium ones), the rest are freed.
     */
    @Test
    void aFullPageEmptiedByOtherThreadsIsKeptForTheNextSearchOfItsBin() throws Exception {
        List<Long> blocks = fillFirstPage(own, 256);
        Page kept = pageOf(blocks.get(0));
        long current = blocks.get(blocks.size() - 1); // the first block of the bin's next page
        Page next = pageOf(current);
        assertNotSame(kept, next);
        int bin = kept.bin();
        int pages = own.pageCount();
        freeRemotely(blocks, kept);
        assertTrue(kept.inFull(), "the owner has not seen the frees yet");
        BlockFree.freeDelayed(own); // the generic path's first step
        assertFalse(kept.inFull());
        assertEquals(0, kept.used());
        assertNotEquals(0, kept.retireExpire(), "kept, retired");
        assertSame(kept, own.queues.last[bin], "at the end of its bin's queue");
        assertSame(next, own.queues.first[bin], "the page in use stays first");
        assertEquals(pages, own.pageCount(), "not freed");
        kept.checkInvariants();
        own.checkInvariants();

        // The page in use runs out: the search takes the kept page's blocks, no fresh page is made.
        long b;
        List<Long> more = new ArrayList<>();
        while (pageOf(b = own.malloc(256)) == next) {
            more.add(b);
        }
        more.add(b);
        assertSame(kept, pageOf(b), "the kept page serves the bin again");
        assertEquals(0, kept.retireExpire(), "in use: no longer retired");
        assertEquals(pages, own.pageCount(), "no page made");
        own.checkInvariants();

        // Emptied full medium pages of one bin: a bin keeps 4 MiB of them, so the ninth is freed.
        List<Long> medium = new ArrayList<>();
        List<Page> fullPages = new ArrayList<>();
        while (fullPages.size() < 9) {
            long x = own.malloc(16 * 1024);
            medium.add(x);
            fullPages.clear();
            for (long y : medium) {
                Page q = pageOf(y);
                if (q.inFull() && !fullPages.contains(q)) {
                    fullPages.add(q);
                }
            }
            assertTrue(medium.size() < 10_000);
        }
        List<Long> rest = new ArrayList<>(); // the blocks of other pages, freed at the end
        for (long x : blocks) {
            if (pageOf(x) != kept) {
                rest.add(x);
            }
        }
        rest.addAll(more);
        List<Long> emptied = new ArrayList<>();
        for (long x : medium) {
            (fullPages.contains(pageOf(x)) ? emptied : rest).add(x);
        }
        int before = own.pageCount();
        TestThreads.runOnNewThread(() -> emptied.forEach(a::free));
        BlockFree.freeDelayed(own);
        assertEquals(before - 1, own.pageCount(), "eight kept, one freed");
        int keptMedium = 0;
        for (Page p : fullPages) {
            if (own.contains(p.areaStart())) {
                keptMedium++;
                assertFalse(p.inFull());
                assertNotEquals(0, p.retireExpire());
            }
        }
        assertEquals(8, keptMedium);
        own.checkInvariants();
        for (long x : rest) {
            a.free(x);
        }
        own.collect(true);
        own.checkInvariants();
    }

    /** A kept emptied page that its bin does not take again is freed when its grace runs out. */
    @Test
    void aKeptEmptiedPageNobodyTakesIsFreedWhenItsGraceRunsOut() throws Exception {
        List<Long> blocks = fillFirstPage(own, 512);
        Page kept = pageOf(blocks.get(0));
        freeRemotely(blocks, kept);
        BlockFree.freeDelayed(own);
        assertNotEquals(0, kept.retireExpire());
        int pages = own.pageCount();
        for (int i = 0; i < 64 && own.pageCount() == pages; i++) {
            PageRetire.collectRetired(own, false); // a search of a bin with no free block, each time
        }
        assertEquals(pages - 1, own.pageCount(), "freed after its grace");
        assertFalse(own.contains(blocks.get(0)));
        own.checkInvariants();
        a.free(blocks.get(blocks.size() - 1));
    }

    @Test
    void destroyOfASmallHeapEmptiesItsPagesAndPoolsItForTheNextNewHeap() {
        LocalHeap h = LocalHeap.newHeap(own.tld);
        long[] blocks = {h.malloc(16), h.malloc(64), h.malloc(64), h.malloc(3000)};
        assertTrue(h.contains(blocks[0]));
        assertFalse(own.contains(blocks[0]));
        h.destroy();
        assertTrue(h.isDead());
        h.forEachPage(p -> assertEquals(0, p.used(), "emptied in place"));
        assertSame(h, LocalHeap.newHeap(own.tld), "a pooled heap is handed out again");
        assertFalse(h.isDead());
        long again = h.malloc(64);
        assertTrue(h.contains(again));
        h.checkInvariants();
        h.destroy();
    }

    /**
     * A pooled heap's destroy lists the pages it sealed and keeps (a large page is freed, not kept),
     * and taking the heap again unseals exactly those (HeapDestroy.unsealPages walks that list, not
     * the queues): every page of the reused heap takes remote frees again, and draining the pool
     * drops the list.
     */
    @Test
    void aPooledHeapUnsealsExactlyThePagesItsDestroySealedAndKept() throws Exception {
        LocalHeap h = LocalHeap.newHeap(own.tld);
        List<Long> blocks = fillFirstPage(h, 1024); // a page in the full queue
        blocks.add(h.malloc(16));
        blocks.add(h.malloc(64));
        blocks.add(h.malloc(3000));
        blocks.add(h.malloc(100 * 1024)); // a large page: freed by the destroy, not kept
        long remote = blocks.get(1);
        TestThreads.runOnNewThread(() -> a.free(remote)); // on the thread-free list when the destroy seals
        int pages = h.pageCount();
        assertTrue(pages <= 8, "small enough to be pooled: " + pages);
        h.destroy();
        assertTrue(h.isDead());
        List<Page> queued = new ArrayList<>();
        h.forEachPage(queued::add);
        assertEquals(pages - 1, queued.size(), "the large page went");
        assertEquals(queued.size(), h.sealedCount);
        List<Page> listed = HeapDestroy.sealedList(h);
        for (Page p : queued) {
            assertTrue(p.isSealed(), "sealed until the heap is taken again");
            assertTrue(listed.remove(p), "listed once");
        }
        assertTrue(listed.isEmpty());

        assertSame(h, LocalHeap.newHeap(own.tld), "a pooled heap is handed out again");
        assertEquals(0, h.sealedCount);
        h.forEachPage(p -> assertFalse(p.isSealed(), "every page of the reused heap takes remote frees"));
        long b = h.malloc(64);
        Page page = pageOf(b);
        TestThreads.runOnNewThread(() -> a.free(b));
        assertEquals(b, page.threadFreeHead(), "a remote free into the reused heap is taken, not refused");
        h.checkInvariants();
        int before = h.pageCount();
        h.collect(true); // frees the empty pages: the next destroy's list is shorter than the first
        assertTrue(h.pageCount() < before, "collect freed pages");

        h.destroy();
        assertEquals(h.pageCount(), h.sealedCount);
        List<Page> held = HeapDestroy.sealedHeld(h);
        assertEquals(HeapDestroy.sealedList(h), held.subList(0, h.sealedCount));
        for (int i = h.sealedCount; i < held.size(); i++) {
            assertEquals(null, held.get(i), "no page held past the list");
        }
        own.tld.drainHeapPool();
        assertEquals(0, h.sealedCount, "a drained pooled heap lists nothing");
        assertTrue(HeapDestroy.sealedHeld(h).stream().allMatch(p -> p == null));
    }

    @Test
    void destroyOfALargeHeapFreesEveryPage() {
        LocalHeap h = LocalHeap.newHeap(own.tld);
        List<Long> blocks = new ArrayList<>();
        for (long size = 16; size <= 64 * 1024; size *= 2) { // 13 bins: more pages than a pooled heap keeps
            blocks.add(h.malloc(size));
        }
        blocks.add(h.malloc(64L << 20)); // and a huge page
        assertTrue(h.pageCount() > 8);
        h.destroy();
        assertEquals(0, h.pageCount());
        for (long b : blocks) {
            assertFalse(h.contains(b));
        }
        assertNotSame(h, LocalHeap.newHeap(own.tld), "a heap that held many pages is not pooled");
    }

    @Test
    void deleteMovesEveryPageToTheDefaultHeapAndTheBlocksStayValid() {
        LocalHeap h = LocalHeap.newHeap(own.tld);
        long[] blocks = new long[50];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = h.malloc(48 + 16 * (i % 5));
            TestAllocators.fill(blocks[i], 48, i);
        }
        int moved = h.pageCount();
        int before = own.pageCount();
        h.delete();
        assertTrue(h.isDead());
        assertEquals(before + moved, own.pageCount());
        for (int i = 0; i < blocks.length; i++) {
            assertTrue(own.contains(blocks[i]));
            assertSame(own, pageOf(blocks[i]).getVolatileHeap());
            assertTrue(TestAllocators.check(blocks[i], 48, i), "block " + i + " intact");
        }
        own.checkInvariants();
        for (long b : blocks) {
            a.free(b);
        }
    }
}
