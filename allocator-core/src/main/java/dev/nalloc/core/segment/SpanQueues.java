package dev.nalloc.core.segment;

import dev.nalloc.core.memory.Layout;

/**
 * The free spans of one thread's segments, binned by slice count (mimalloc's span queues):
 * exact bins up to 8 slices, then four bins per power of two. Owner thread only.
 */
final class SpanQueues {

    static final int BINS = bin(Layout.SLICES_PER_SEGMENT) + 1;

    private final Span[] first = new Span[BINS];

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
    void push(Span span) {
        int b = bin(span.sliceCount);
        span.spanBin = b;
        span.prevSpan = null;
        span.nextSpan = first[b];
        if (span.nextSpan != null) {
            span.nextSpan.prevSpan = span;
        }
        first[b] = span;
    }

    /** Removes a free span that is in a queue. */
    void remove(Span span) {
        if (span.prevSpan != null) {
            span.prevSpan.nextSpan = span.nextSpan;
        } else {
            first[span.spanBin] = span.nextSpan;
        }
        if (span.nextSpan != null) {
            span.nextSpan.prevSpan = span.prevSpan;
        }
        span.nextSpan = null;
        span.prevSpan = null;
    }

    /** Takes a free span of at least {@code slices} slices out of the queues, or returns null. */
    Span take(int slices) {
        for (int b = bin(slices); b < BINS; b++) {
            for (Span s = first[b]; s != null; s = s.nextSpan) {
                if (s.sliceCount >= slices) {
                    remove(s);
                    return s;
                }
            }
        }
        return null;
    }

    /** Calls {@code action} for each free span (it must not change the queues). */
    void forEach(java.util.function.Consumer<Span> action) {
        for (Span head : first) {
            for (Span s = head; s != null; s = s.nextSpan) {
                action.accept(s);
            }
        }
    }

    /** Removes every span of {@code segment}. */
    void removeAll(Segment segment) {
        for (int b = 0; b < BINS; b++) {
            Span s = first[b];
            while (s != null) {
                Span n = s.nextSpan;
                if (s.segment == segment) {
                    remove(s);
                }
                s = n;
            }
        }
    }

    /** Free spans in all queues. */
    int count() {
        int n = 0;
        for (Span head : first) {
            for (Span s = head; s != null; s = s.nextSpan) {
                n++;
            }
        }
        return n;
    }
}
