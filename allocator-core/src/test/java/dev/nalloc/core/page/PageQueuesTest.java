package dev.nalloc.core.page;

import dev.nalloc.core.memory.SizeClasses;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A heap's page queues by themselves: order within a queue, moves between queues, the
 * occupied-queue bitmap and the direct table of small sizes. The pages are bare (no memory): the
 * queues only link them.
 */
class PageQueuesTest {

    private final Page[] direct = new Page[SizeClasses.SMALL_WSIZE_MAX + 2];
    private final PageQueues queues = new PageQueues(direct);

    private static Page page(int bin) {
        Page p = new Page(null, 0);
        p.bin = bin;
        return p;
    }

    /** Queue {@code q} front to back, checking the back links on the way. */
    private List<Page> walk(int q) {
        List<Page> out = new ArrayList<>();
        Page prev = null;
        for (Page p = queues.first[q]; p != null; p = p.next) {
            assertSame(prev, p.prev, "back link of the page after " + out.size());
            out.add(p);
            prev = p;
        }
        assertSame(prev, queues.last[q], "last of queue " + q);
        return out;
    }

    @Test
    void pushFrontAndPushBackKeepTheirOrder() {
        int bin = SizeClasses.bin(64);
        Page a = page(bin);
        Page b = page(bin);
        Page c = page(bin);
        queues.pushBack(bin, a);
        queues.pushBack(bin, b);
        queues.pushFront(bin, c);
        assertEquals(List.of(c, a, b), walk(bin));
        assertEquals(3, queues.pages());
        assertTrue(!queues.isEmpty());
    }

    @Test
    void removeFromFrontMiddleAndBackRelinksTheRest() {
        int bin = SizeClasses.bin(128);
        Page a = page(bin);
        Page b = page(bin);
        Page c = page(bin);
        Page d = page(bin);
        for (Page p : List.of(a, b, c, d)) {
            queues.pushBack(bin, p);
        }
        queues.remove(bin, b);
        assertEquals(List.of(a, c, d), walk(bin));
        assertNull(b.next);
        assertNull(b.prev);
        queues.remove(bin, a);
        assertEquals(List.of(c, d), walk(bin));
        queues.remove(bin, d);
        assertEquals(List.of(c), walk(bin));
        queues.remove(bin, c);
        assertEquals(List.of(), walk(bin));
        assertNull(queues.first[bin]);
        assertEquals(0, queues.pages());
        assertTrue(queues.isEmpty());
    }

    @Test
    void moveToTheFullQueueAndBackGoesToTheEnd() {
        int bin = SizeClasses.bin(256);
        Page a = page(bin);
        Page b = page(bin);
        Page full = page(bin);
        queues.pushBack(bin, a);
        queues.pushBack(bin, full);
        queues.pushBack(bin, b);
        full.setInFull(true);
        queues.move(bin, SizeClasses.BIN_FULL, full);
        assertEquals(SizeClasses.BIN_FULL, PageQueues.queueOf(full));
        assertEquals(List.of(a, b), walk(bin));
        assertEquals(List.of(full), walk(SizeClasses.BIN_FULL));
        full.setInFull(false);
        queues.move(SizeClasses.BIN_FULL, bin, full);
        assertEquals(bin, PageQueues.queueOf(full));
        assertEquals(List.of(a, b, full), walk(bin), "a page back from the full queue goes last");
        assertEquals(List.of(), walk(SizeClasses.BIN_FULL));
        assertEquals(3, queues.pages());
    }

    @Test
    void queuesOfDifferentBinsDoNotMix() {
        int small = SizeClasses.bin(16);
        int medium = SizeClasses.bin(1024);
        Page s1 = page(small);
        Page m1 = page(medium);
        Page s2 = page(small);
        queues.pushBack(small, s1);
        queues.pushBack(medium, m1);
        queues.pushBack(small, s2);
        assertEquals(List.of(s1, s2), walk(small));
        assertEquals(List.of(m1), walk(medium));
    }

    @Test
    void theDirectTableFollowsTheFirstPageOfEachSmallBin() {
        for (Page p : direct) {
            assertSame(Page.EMPTY, p, "a new table points at the empty page");
        }
        int bin = SizeClasses.bin(48); // 6 words
        int words = (int) (SizeClasses.binSize(bin) / SizeClasses.WORD);
        Page a = page(bin);
        Page b = page(bin);
        queues.pushBack(bin, a);
        assertSame(a, direct[words]);
        queues.pushBack(bin, b);
        assertSame(a, direct[words], "pushBack behind a first page leaves the table");
        Page c = page(bin);
        queues.pushFront(bin, c);
        assertSame(c, direct[words], "pushFront makes the new page the one to allocate from");
        queues.remove(bin, c);
        assertSame(a, direct[words]);
        queues.remove(bin, a);
        assertSame(b, direct[words]);
        queues.move(bin, SizeClasses.BIN_FULL, b);
        assertSame(Page.EMPTY, direct[words], "an empty bin points at the empty page");
        // every size of words in the bin points at the bin's page, none of another bin does
        int other = SizeClasses.bin(64);
        Page o = page(other);
        queues.pushBack(other, o);
        for (int w = 1; w <= SizeClasses.SMALL_WSIZE_MAX; w++) {
            boolean inOther = SizeClasses.bin((long) w * SizeClasses.WORD) == other;
            assertSame(inOther ? o : Page.EMPTY, direct[w], "direct[" + w + "]");
        }
    }

    @Test
    void everySmallBinOwnsExactlyItsWordsOfTheDirectTableAndLargerBinsNone() {
        for (int bin = 1; bin < SizeClasses.BIN_HUGE; bin++) {
            Page p = page(bin);
            queues.pushFront(bin, p);
            for (int w = 0; w <= SizeClasses.SMALL_WSIZE_MAX; w++) {
                boolean mine = SizeClasses.bin(Math.max(1, (long) w * SizeClasses.WORD)) == bin;
                assertSame(mine ? p : Page.EMPTY, direct[w], "bin " + bin + ", direct[" + w + "]");
            }
            queues.remove(bin, p);
            for (int w = 0; w <= SizeClasses.SMALL_WSIZE_MAX; w++) {
                assertSame(Page.EMPTY, direct[w], "bin " + bin + " emptied, direct[" + w + "]");
            }
        }
        Page huge = page(SizeClasses.BIN_HUGE);
        queues.pushFront(SizeClasses.BIN_HUGE, huge);
        queues.move(SizeClasses.BIN_HUGE, SizeClasses.BIN_FULL, huge);
        for (Page p : direct) {
            assertSame(Page.EMPTY, p, "the huge and full queues have no direct entries");
        }
    }

    @Test
    void nextQueueFindsTheOccupiedQueuesInOrder() {
        int[] bins = {SizeClasses.bin(8), SizeClasses.bin(512), SizeClasses.bin(100_000), SizeClasses.BIN_HUGE,
                SizeClasses.BIN_FULL};
        for (int q : bins) {
            queues.pushBack(q, page(q == SizeClasses.BIN_FULL ? SizeClasses.bin(64) : q));
        }
        List<Integer> seen = new ArrayList<>();
        for (int q = queues.nextQueue(0); q >= 0; q = queues.nextQueue(q + 1)) {
            seen.add(q);
        }
        assertEquals(List.of(bins[0], bins[1], bins[2], bins[3], bins[4]), seen);
        long bitsSeen = 0;
        for (int w = 0; w < PageQueues.OCCUPIED_WORDS; w++) {
            bitsSeen += Long.bitCount(queues.occupiedWord(w));
        }
        assertEquals(bins.length, bitsSeen);
        queues.remove(bins[1], queues.first[bins[1]]);
        assertEquals(bins[2], queues.nextQueue(bins[0] + 1), "an emptied queue is skipped");
    }

    @Test
    void nextBinQueueSkipsTheHugeAndFullQueues() {
        int last = SizeClasses.BIN_HUGE - 1;
        int[] bins = {1, SizeClasses.bin(512), 63, 64, last};
        for (int q : bins) {
            queues.pushBack(q, page(q));
        }
        queues.pushBack(SizeClasses.BIN_HUGE, page(SizeClasses.BIN_HUGE));
        queues.pushBack(SizeClasses.BIN_FULL, page(SizeClasses.bin(64)));
        List<Integer> seen = new ArrayList<>();
        for (int q = queues.nextBinQueue(1); q >= 0; q = queues.nextBinQueue(q + 1)) {
            seen.add(q);
        }
        assertEquals(List.of(bins[0], bins[1], bins[2], bins[3], bins[4]), seen);
        assertEquals(-1, queues.nextBinQueue(last + 1), "beyond the last bin: none, the huge and full queues are not bins");
        assertEquals(64, queues.nextBinQueue(64), "a word boundary");
    }

    @Test
    void extraBinPagesCountsPagesBehindTheFirstOfEachBin() {
        int b1 = SizeClasses.bin(32);
        int b2 = SizeClasses.bin(2048);
        queues.pushBack(b1, page(b1));
        queues.pushBack(b2, page(b2));
        assertEquals(0, queues.extraBinPages());
        queues.pushBack(b1, page(b1));
        queues.pushBack(b1, page(b1));
        queues.pushBack(b2, page(b2));
        assertEquals(3, queues.extraBinPages());
        Page huge = page(SizeClasses.BIN_HUGE);
        queues.pushBack(SizeClasses.BIN_HUGE, huge);
        queues.pushBack(SizeClasses.BIN_HUGE, page(SizeClasses.BIN_HUGE));
        Page full = page(b1);
        full.setInFull(true);
        queues.pushBack(SizeClasses.BIN_FULL, full);
        queues.pushBack(SizeClasses.BIN_FULL, page(b1));
        assertEquals(3, queues.extraBinPages(), "huge and full queues do not count");
        assertEquals(9, queues.pages());
    }

    @Test
    void clearEmptiesEverything() {
        int bin = SizeClasses.bin(64);
        queues.pushBack(bin, page(bin));
        queues.pushBack(SizeClasses.BIN_FULL, page(bin));
        queues.clear();
        assertTrue(queues.isEmpty());
        assertEquals(-1, queues.nextQueue(0));
        assertNull(queues.first[bin]);
        assertNull(queues.last[SizeClasses.BIN_FULL]);
        for (Page p : direct) {
            assertSame(Page.EMPTY, p);
        }
    }
}
