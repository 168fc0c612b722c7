package dev.nalloc.core.segment;

import dev.nalloc.core.memory.Layout;

import dev.nalloc.core.page.Page;

/**
 * The free spans of one thread's segments, binned by slice count (mimalloc's span queues):
 * exact bins up to 8 slices, then four bins per power of two. Owner thread only.
 */
final class SpanQueues {

    static final int BINS = bin(Layout.SLICES_PER_SEGMENT) + 1;

    private final Page[] first = new Page[BINS];

    /** The bin of a span of {@code slices} slices. */
    static int bin(int slices) {
        if (slices <= 8) {
            return slices;
        }
        int s = slices - 1;
        int b = 31 - Integer.numberOfLeadingZeros(s);
        return ((b << 2) + ((s >>> (b - 2)) & 3)) - 3;
    }

    /** Adds a free span. */
    public void push(Page span) {
        int b = bin(span.sliceCount);
        span.bin = b;
        span.prev = null;
        span.next = first[b];
        if (span.next != null) {
            span.next.prev = span;
        }
        first[b] = span;
    }

    /** Removes a free span that is in a queue. */
    public void remove(Page span) {
        if (span.prev != null) {
            span.prev.next = span.next;
        } else {
            first[span.bin] = span.next;
        }
        if (span.next != null) {
            span.next.prev = span.prev;
        }
        span.next = null;
        span.prev = null;
    }

    /** Takes a free span of at least {@code slices} slices out of the queues, or returns null. */
    public Page take(int slices) {
        for (int b = bin(slices); b < BINS; b++) {
            for (Page s = first[b]; s != null; s = s.next) {
                if (s.sliceCount >= slices) {
                    remove(s);
                    return s;
                }
            }
        }
        return null;
    }

    /** Calls {@code action} for each free span (it must not change the queues). */
    public void forEach(java.util.function.Consumer<Page> action) {
        for (Page head : first) {
            for (Page s = head; s != null; s = s.next) {
                action.accept(s);
            }
        }
    }

    /** Removes every span of {@code segment}. */
    public void removeAll(Segment segment) {
        for (int b = 0; b < BINS; b++) {
            Page s = first[b];
            while (s != null) {
                Page n = s.next;
                if (s.segment == segment) {
                    remove(s);
                }
                s = n;
            }
        }
    }

    /** Free spans in all queues. */
    public int count() {
        int n = 0;
        for (Page head : first) {
            for (Page s = head; s != null; s = s.next) {
                n++;
            }
        }
        return n;
    }
}
