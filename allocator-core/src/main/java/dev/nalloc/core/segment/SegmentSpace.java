package dev.nalloc.core.segment;

import dev.nalloc.core.os.OsMemory;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.stats.ThreadCounters;
import dev.nalloc.spi.PurgePolicy;

/**
 * One thread's segments and their free spans (mimalloc's {@code mi_segments_tld_t} with the span
 * functions of {@code segment.c}): pages are cut from free spans (split on use), given back
 * (coalesced with free neighbours on free), and a segment whose pages are all free is given back
 * too (one is kept as a spare). Owner thread only.
 */
public final class SegmentSpace {

    private final Thread owner;
    private final SegmentMemory memory;
    private final ThreadCounters counters = new ThreadCounters();
    private final SpanQueues spans = new SpanQueues();
    private final boolean eagerCommit;
    private final long eagerCommitDelay;
    private final PurgePolicy purgePolicy;
    private final boolean purgeAtOnce;
    private final boolean purgeDecommits;
    /** When the free spans are due for purging (System.nanoTime scale), or 0 when nothing is pending. */
    private long purgeDeadline;
    private Segment spare;
    private int segments;
    private long segmentsEver;

    public SegmentSpace(Thread owner, SegmentMemory memory, boolean eagerCommit, long eagerCommitDelay,
                        PurgePolicy purgePolicy) {
        this.owner = owner;
        this.memory = memory;
        this.eagerCommit = eagerCommit;
        this.eagerCommitDelay = eagerCommitDelay;
        this.purgePolicy = purgePolicy;
        this.purgeDecommits = purgePolicy.decommits();
        this.purgeAtOnce = purgePolicy.deadline(1, 0, false) <= 1;
    }

    public Thread owner() {
        return owner;
    }

    /** The owner thread's statistics counters. */
    public ThreadCounters counters() {
        return counters;
    }

    public SegmentMemory memory() {
        return memory;
    }

    private OsMemory os() {
        return memory.os();
    }

    /**
     * A span of {@code slices} committed slices marked in use; {@link Page#isZeroInit} tells whether
     * it reads as zero. Null when out of memory.
     */
    public Page allocateSpan(int slices) {
        Page span = spans.take(slices);
        if (span == null) {
            if (!addSegment()) {
                return null;
            }
            span = spans.take(slices);
        }
        Segment seg = span.segment;
        int start = span.sliceIndex;
        if (span.sliceCount > slices) {
            makeFree(seg, start + slices, span.sliceCount - slices);
        }
        span.sliceCount = slices;
        span.inUse = true;
        seg.setCover(span, start, slices);
        seg.usedPages++;
        int zero = seg.commitForUse(start, slices, os());
        if (zero < 0) {
            freeSpan(span);
            return null;
        }
        span.isZeroInit = zero == 1;
        return span;
    }

    /** Gives a page's span back, coalescing it with free neighbours. */
    public void freeSpan(Page page) {
        Segment seg = page.segment;
        if (page.guard != 0) { // SECURE: the span becomes ordinary memory again
            os().protect(page.guard, os().pageSize(), false);
            page.guard = 0;
        }
        page.markFree();
        page.kind = null;
        page.setHeap(null);
        seg.usedPages--;
        int start = page.sliceIndex;
        int n = page.sliceCount;
        if (start > 0) {
            Page before = seg.cover[start - 1];
            if (!before.inUse) {
                spans.remove(before);
                n += start - before.sliceIndex;
                start = before.sliceIndex;
            }
        }
        int end = page.sliceIndex + page.sliceCount;
        if (end < seg.sliceCount) {
            Page after = seg.cover[end];
            if (!after.inUse) {
                spans.remove(after);
                n += after.sliceCount;
            }
        }
        if (seg.usedPages == 0) {
            removeSegment(seg);
            return;
        }
        makeFree(seg, start, n);
        if (purgeAtOnce) {
            seg.purge(start, n, os(), purgeDecommits);
        } else {
            schedulePurge();
        }
    }

    /**
     * Simple purge timing: the first free span after a purge sets the deadline (the policy may move
     * it on later frees); the first span free or collect after it purges every free span and the
     * arenas' freed blocks.
     */
    private void schedulePurge() {
        long now = System.nanoTime();
        if (purgeDeadline != 0 && now - purgeDeadline >= 0) {
            purgeNow();
            return;
        }
        long next = purgePolicy.deadline(now, purgeDeadline, false);
        purgeDeadline = next == PurgePolicy.NEVER ? 0 : next;
    }

    private void purgeNow() {
        purgeDeadline = 0;
        if (spare != null) { // an empty segment kept for reuse: past the delay it goes back
            memory.release(spare);
            spare = null;
        }
        spans.forEach(s -> s.segment.purge(s.sliceIndex, s.sliceCount, os(), purgeDecommits));
        memory.arenas().purge(purgeDecommits);
    }

    private void makeFree(Segment seg, int start, int n) {
        Page span = seg.pageObjectAt(start);
        span.markFree();
        span.sliceCount = n;
        seg.setCover(span, start, n);
        spans.push(span);
    }

    private boolean addSegment() {
        Segment seg = spare;
        if (seg != null) {
            spare = null;
        } else {
            boolean commit = eagerCommit && segmentsEver >= eagerCommitDelay;
            seg = memory.allocate(this, commit);
            if (seg == null) {
                return false;
            }
            segmentsEver++;
        }
        segments++;
        makeFree(seg, 0, seg.sliceCount);
        return true;
    }

    private void removeSegment(Segment seg) {
        segments--;
        if (spare == null && !purgeAtOnce) {
            spare = seg;
            schedulePurge();
        } else {
            memory.release(seg);
            if (purgeAtOnce) {
                memory.arenas().purge(purgeDecommits);
            }
        }
    }

    /** Returns memory: the spare segment goes back, and with {@code force} every free span is purged. */
    public void collect(boolean force) {
        if (force) {
            purgeNow();
        } else if (purgeDeadline != 0 && System.nanoTime() - purgeDeadline >= 0) {
            purgeNow();
        }
    }

    /** Segments in use by this thread (not counting the spare). */
    public int segments() {
        return segments;
    }

    /** Free spans waiting in the queues. */
    public int freeSpans() {
        return spans.count();
    }

    public boolean hasSpare() {
        return spare != null;
    }
}
