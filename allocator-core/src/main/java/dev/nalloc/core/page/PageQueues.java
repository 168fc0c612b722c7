package dev.nalloc.core.page;

import dev.nalloc.core.memory.SizeClasses;

/**
 * A heap's page queues, one per bin plus the huge and full queues (mimalloc's
 * {@code page-queue.c}), and the direct page table for small sizes: {@code direct[wsize]} is the
 * first page of the bin of {@code wsize} words (or the empty page: {@link Page#EMPTY}, or {@link EncodedPage#EMPTY} in
 * an encoded heap's {@code EncodedPage[]} table), so a small malloc finds its
 * page with one array load. Owner thread only.
 */
public final class PageQueues {

    /** Words in the occupied-queue bitmap. */
    public static final int OCCUPIED_WORDS = (SizeClasses.BIN_COUNT + 63) >>> 6;

    /**
     * The direct entries of bin {@code b} are {@code DIRECT_FROM[b] <= w < DIRECT_END[b]}; empty
     * ({@code from == end == 0}) for the bins above the small sizes, the huge and the full queue.
     */
    private static final int[] DIRECT_FROM = new int[SizeClasses.BIN_COUNT];
    private static final int[] DIRECT_END = new int[SizeClasses.BIN_COUNT];

    static {
        for (int bin = 1; bin < SizeClasses.BIN_HUGE; bin++) {
            long words = SizeClasses.binSize(bin) / SizeClasses.WORD;
            long prevWords = bin == 1 ? -1 : SizeClasses.binSize(bin - 1) / SizeClasses.WORD;
            int from = (int) (prevWords + 1);
            int end = (int) Math.min(words, SizeClasses.SMALL_WSIZE_MAX) + 1;
            if (from < end) {
                DIRECT_FROM[bin] = from;
                DIRECT_END[bin] = end;
            }
        }
    }

    public final Page[] first = new Page[SizeClasses.BIN_COUNT];
    public final Page[] last = new Page[SizeClasses.BIN_COUNT];
    private final Page[] direct;
    /** What empty bins' entries point at: {@link EncodedPage#EMPTY} in an {@code EncodedPage[]} table, else {@link Page#EMPTY}. */
    private final Page empty;
    /** Bit q set when queue q is not empty: walks over all queues skip the empty ones. */
    private final long[] occupied = new long[OCCUPIED_WORDS];
    private int pages;
    /** Pages in the queues of bins (not the huge and full queues): see {@link #extraBinPages}. */
    private int binPages;

    public PageQueues(Page[] direct) {
        this.direct = direct;
        this.empty = emptyOf(direct);
        java.util.Arrays.fill(direct, empty);
    }

    /** The empty page of a direct page table: {@link EncodedPage#EMPTY} when it is an {@code EncodedPage[]}. */
    public static Page emptyOf(Page[] direct) {
        return direct instanceof EncodedPage[] ? EncodedPage.EMPTY : Page.EMPTY;
    }

    /** The queue a page is in: its bin, or the full queue. */
    public static int queueOf(Page page) {
        return page.inFull() ? SizeClasses.BIN_FULL : page.bin;
    }

    /** Adds a page at the front of queue {@code q}. */
    public void pushFront(int q, Page page) {
        page.prev = null;
        page.next = first[q];
        if (page.next != null) {
            page.next.prev = page;
        } else {
            last[q] = page;
            occupied[q >>> 6] |= 1L << (q & 63);
        }
        first[q] = page;
        pages++;
        if (q < SizeClasses.BIN_HUGE) {
            binPages++;
        }
        updateDirect(q);
    }

    /** Adds a page at the end of queue {@code q}. */
    public void pushBack(int q, Page page) {
        page.next = null;
        page.prev = last[q];
        if (page.prev != null) {
            page.prev.next = page;
        } else {
            first[q] = page;
            occupied[q >>> 6] |= 1L << (q & 63);
            updateDirect(q);
        }
        last[q] = page;
        pages++;
        if (q < SizeClasses.BIN_HUGE) {
            binPages++;
        }
    }

    /** Removes a page from queue {@code q}. */
    public void remove(int q, Page page) {
        if (page.prev != null) {
            page.prev.next = page.next;
        } else {
            first[q] = page.next;
        }
        if (page.next != null) {
            page.next.prev = page.prev;
        } else {
            last[q] = page.prev;
        }
        page.next = null;
        page.prev = null;
        pages--;
        if (q < SizeClasses.BIN_HUGE) {
            binPages--;
        }
        if (first[q] == null) {
            occupied[q >>> 6] &= ~(1L << (q & 63));
        }
        updateDirect(q);
    }

    /** Moves a page from queue {@code from} to the end of queue {@code to}. */
    public void move(int from, int to, Page page) {
        remove(from, page);
        pushBack(to, page);
    }

    /**
     * Points the direct entries of bin {@code q} at the queue's first page. C2 shape: bins without
     * entries leave before the loop, so that no call runs the compiled loop zero times (a trap; see
     * docs/design-core.md, "Shapes the JIT needs").
     */
    private void updateDirect(int q) {
        int end = DIRECT_END[q];
        if (end == 0) {
            return;
        }
        Page f = first[q];
        Page target = f == null ? empty : f;
        for (int w = DIRECT_FROM[q]; w < end; w++) {
            direct[w] = target;
        }
    }

    /** Empties every queue (the pages are handled by the caller) and resets the direct table. */
    public void clear() {
        java.util.Arrays.fill(first, null);
        java.util.Arrays.fill(last, null);
        java.util.Arrays.fill(direct, empty);
        java.util.Arrays.fill(occupied, 0);
        pages = 0;
        binPages = 0;
    }

    /**
     * Pages in the queues of bins beyond the first page of each: the pages neither full nor the one
     * a bin allocates from (their frees go unseen by the slow path; statistics' peaks).
     */
    public int extraBinPages() {
        int queues = 0;
        for (int w = 0; w < OCCUPIED_WORDS; w++) {
            long bits = occupied[w];
            int hi = SizeClasses.BIN_HUGE - (w << 6); // bins below BIN_HUGE in this word
            if (hi <= 0) {
                break;
            }
            if (hi < 64) {
                bits &= (1L << hi) - 1;
            }
            queues += Long.bitCount(bits & (w == 0 ? ~1L : -1L));
        }
        return binPages - queues;
    }

    /** The first non-empty queue at or after {@code from}, or -1. */
    public int nextQueue(int from) {
        for (int w = from >>> 6; w < occupied.length; w++) {
            long bits = w == from >>> 6 ? occupied[w] & (-1L << (from & 63)) : occupied[w];
            if (bits != 0) {
                return (w << 6) + Long.numberOfTrailingZeros(bits);
            }
        }
        return -1;
    }

    /** Bit q of word q >>> 6 set for the queues of bins (not the huge and full queues). */
    private static final long[] BIN_QUEUE_BITS = new long[OCCUPIED_WORDS];

    static {
        for (int q = 1; q < SizeClasses.BIN_HUGE; q++) {
            BIN_QUEUE_BITS[q >>> 6] |= 1L << (q & 63);
        }
    }

    /**
     * The first non-empty queue of a bin (not the huge or full queue) at or after {@code from}, or
     * -1. C2 shape: the huge and full queues are masked out, not tested for, so that the walk has no
     * exit only some heaps take (a trap; docs/design-core.md, "Shapes the JIT needs").
     */
    public int nextBinQueue(int from) {
        for (int w = from >>> 6; w < OCCUPIED_WORDS; w++) {
            long bits = occupied[w] & BIN_QUEUE_BITS[w] & (-1L << (from & 63));
            if (bits != 0) {
                return (w << 6) + Long.numberOfTrailingZeros(bits);
            }
            from = (w + 1) << 6;
        }
        return -1;
    }

    /**
     * Word {@code w} of the occupied-queue bitmap (bit {@code q & 63} of word {@code q >>> 6} set when
     * queue {@code q} is not empty), for walks that take a snapshot word by word.
     */
    public long occupiedWord(int w) {
        return occupied[w];
    }


    /** Pages in all queues. */
    public int pages() {
        return pages;
    }

    /** True when no queue holds a page. */
    boolean isEmpty() {
        return pages == 0;
    }
}
