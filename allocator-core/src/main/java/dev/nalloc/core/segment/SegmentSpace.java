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
    /** The segments in use (not the spare), linked through {@link Segment#nextInSpace}. */
    private Segment segmentList;
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
        return allocateSpan(slices, true);
    }

    /**
     * As {@link #allocateSpan(int)}; with {@code mayGrow} false only the free spans and the spare
     * segment are used, never a new segment (the caller first looks at abandoned segments).
     */
    public Page allocateSpan(int slices, boolean mayGrow) {
        Page span = spans.take(slices);
        if (span == null) {
            if ((!mayGrow && spare == null) || !addSegment()) {
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
        link(seg);
        makeFree(seg, 0, seg.sliceCount);
        return true;
    }

    private void link(Segment seg) {
        seg.prevInSpace = null;
        seg.nextInSpace = segmentList;
        if (segmentList != null) {
            segmentList.prevInSpace = seg;
        }
        segmentList = seg;
        segments++;
    }

    private void unlink(Segment seg) {
        if (seg.prevInSpace != null) {
            seg.prevInSpace.nextInSpace = seg.nextInSpace;
        } else {
            segmentList = seg.nextInSpace;
        }
        if (seg.nextInSpace != null) {
            seg.nextInSpace.prevInSpace = seg.prevInSpace;
        }
        seg.nextInSpace = null;
        seg.prevInSpace = null;
        segments--;
    }

    // ------------------------------------------------------------------ abandon and reclaim

    /**
     * The thread is done (or dead, and the caller has exclusive use of this space): the spare goes
     * back, and every segment leaves the space, its free spans leaving the queues (mimalloc keeps
     * abandoned segments' free spans out of every queue too). The caller marks them abandoned.
     *
     * @return the detached segments; each still has pages in use
     */
    public java.util.List<Segment> detachAll() {
        if (spare != null) {
            memory.release(spare);
            spare = null;
        }
        java.util.List<Segment> out = new java.util.ArrayList<>(segments);
        while (segmentList != null) {
            Segment seg = segmentList;
            spans.removeAll(seg);
            unlink(seg);
            seg.ownerThread = null;
            seg.space = null;
            out.add(seg);
        }
        purgeDeadline = 0;
        return out;
    }

    /**
     * Takes over a reclaimed segment whose pages in use already went to this thread's heaps: the
     * segment joins the space and its free spans, coalesced, join the queues (purged on this space's
     * schedule). A segment without pages in use is kept as the spare or given back.
     */
    public void attach(Segment seg) {
        seg.ownerThread = owner;
        seg.space = this;
        link(seg);
        if (seg.usedPages == 0) {
            removeSegment(seg);
            return;
        }
        boolean freed = false;
        int i = 0;
        while (i < seg.sliceCount) {
            if (seg.cover[i].inUse) {
                i += seg.cover[i].sliceCount;
                continue;
            }
            int start = i;
            while (i < seg.sliceCount && !seg.cover[i].inUse) {
                i = seg.cover[i].sliceIndex + seg.cover[i].sliceCount;
            }
            makeFree(seg, start, i - start);
            if (purgeAtOnce) {
                seg.purge(start, i - start, os(), purgeDecommits);
            }
            freed = true;
        }
        if (freed && !purgeAtOnce) {
            schedulePurge();
        }
    }

    /**
     * Turns a page of an abandoned (detached) segment whose blocks are all free into a free span,
     * merged with free neighbours but put in no queue. The caller owns the segment exclusively.
     *
     * @return the free span now covering the page
     */
    public static Page clearDetachedPage(Page page) {
        Segment seg = page.segment;
        page.markFree();
        page.kind = null;
        page.setHeap(null);
        seg.usedPages--;
        int start = page.sliceIndex;
        int end = start + page.sliceCount;
        if (start > 0 && !seg.cover[start - 1].inUse) {
            start = seg.cover[start - 1].sliceIndex;
        }
        if (end < seg.sliceCount && !seg.cover[end].inUse) {
            end += seg.cover[end].sliceCount;
        }
        Page span = seg.pageObjectAt(start);
        span.markFree();
        span.sliceCount = end - start;
        seg.setCover(span, start, end - start);
        return span;
    }

    private void removeSegment(Segment seg) {
        unlink(seg);
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
