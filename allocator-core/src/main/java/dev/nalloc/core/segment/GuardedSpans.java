package dev.nalloc.core.segment;

import dev.nalloc.core.memory.Layout;

import dev.nalloc.spi.PurgePolicy;

import java.util.Arrays;

/**
 * SECURE's freed spans that still have their guard page, kept aside for the next page of the same
 * number of slices (one thread space's, owner thread only).
 *
 * <p>SECURE protects the last OS page of every page and lifts it when the page's span is freed:
 * two {@code mprotect} calls per page, each taking the process's memory-map lock and, on the way
 * to no access, sending TLB shootdowns to the other cores. Workloads that make and free pages of one
 * size all the time (xmalloc-test frees about one page per thousand blocks) would spend a tenth of
 * their time there. So a freed span with a guard is kept as it is and taken over, guard and all,
 * without a call. Kept spans stay counted as used in their segment and are in no span queue, so
 * nothing coalesces with them. They are given back for good (guard lifted) oldest first when more
 * than {@link #MAX_BYTES} are kept, when they have been kept as long as free memory waits to be
 * purged ({@code purge_delay}), and all at once at a forced collect and before the thread's
 * segments are abandoned. Memory is so held back from reuse by other sizes no longer than free
 * spans are held from the OS.
 */
final class GuardedSpans {

    /** The most bytes of spans kept per thread space: 256 small pages, or 32 medium ones (half a segment). */
    static final long MAX_BYTES = 16L << 20;

    /** The kept spans, oldest first, and when each is due to be given back ({@link PurgePolicy#NEVER}: only when over the limit). */
    private Span[] spans = NO_SPANS;
    private long[] due = NO_DUE;
    /** Shared empty arrays: a space that never keeps a span (FAST) allocates nothing here. */
    private static final Span[] NO_SPANS = new Span[0];
    private static final long[] NO_DUE = new long[0];
    private int count;
    private long bytes;

    /** Spans kept now. */
    int count() {
        return count;
    }

    /** Keeps {@code span} (already marked free with its guard) until {@code deadline}. */
    void keep(Span span, long deadline) {
        if (count == spans.length) {
            int n = Math.max(8, count * 2);
            spans = Arrays.copyOf(spans, n);
            due = Arrays.copyOf(due, n);
        }
        spans[count] = span;
        due[count] = deadline;
        count++;
        bytes += bytesOf(span);
    }

    /** The oldest span when more than {@link #MAX_BYTES} are kept (removed), else null. */
    Span overLimit() {
        return bytes > MAX_BYTES ? removeAt(0) : null;
    }

    /** The oldest span if it is due at {@code now} (removed), else null. */
    Span expired(long now) {
        return count > 0 && due[0] != PurgePolicy.NEVER && now - due[0] >= 0 ? removeAt(0) : null;
    }

    /** The newest span (removed), or null when none is kept. */
    Span last() {
        return count > 0 ? removeAt(count - 1) : null;
    }

    /** The most recently kept span of exactly {@code slices} slices (removed), or null. */
    Span take(int slices) {
        for (int i = count - 1; i >= 0; i--) {
            if (spans[i].sliceCount == slices) {
                return removeAt(i);
            }
        }
        return null;
    }

    private Span removeAt(int i) {
        Span span = spans[i];
        System.arraycopy(spans, i + 1, spans, i, count - i - 1);
        System.arraycopy(due, i + 1, due, i, count - i - 1);
        spans[--count] = null;
        bytes -= bytesOf(span);
        return span;
    }

    private static long bytesOf(Span span) {
        return (long) span.sliceCount << Layout.SLICE_SHIFT;
    }
}
