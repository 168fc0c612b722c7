package dev.nalloc.core.segment;

import dev.nalloc.core.arena.MemoryArena;
import dev.nalloc.core.os.OsMemory;
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
    private final ThreadCounters counters;
    private final SpanQueues spans = new SpanQueues();
    private final boolean eagerCommit;
    private final long eagerCommitDelay;
    private final PurgePolicy purgePolicy;
    /** The bound arena (a heap in an exclusive arena), or null for any memory. */
    private final MemoryArena arena;
    /** Segments with slices marked for purge (owner thread only). */
    /** Made on the first scheduled purge: a short-lived thread that never frees a page allocates none. */
    private Segment[] pending = NO_SEGMENTS;
    private static final Segment[] NO_SEGMENTS = new Segment[0];
    private int pendingCount;
    /** The earliest purge deadline of the listed segments and the spare, or 0 when none is timed. */
    private long nextPurge;
    private long purgedBytes;
    private Segment spare;
    /** The segments in use (not the spare), linked through {@link Segment#nextInSpace}. */
    private Segment segmentList;
    /** When the spare segment goes back, or 0 (kept until a forced collect). */
    private long spareExpire;
    private int segments;
    private long segmentsEver;

    public SegmentSpace(Thread owner, SegmentMemory memory, boolean eagerCommit, long eagerCommitDelay,
                        PurgePolicy purgePolicy) {
        this(owner, memory, eagerCommit, eagerCommitDelay, purgePolicy, null,
                new ThreadCounters(memory.os().stats().gauges));
    }

    /**
     * A space whose segments all come from {@code arena} (a heap bound to it, mimalloc's
     * {@code heap->arena_id}), or from any memory when it is null; {@code counters} are the owner
     * thread's (shared with its other spaces).
     */
    public SegmentSpace(Thread owner, SegmentMemory memory, boolean eagerCommit, long eagerCommitDelay,
                        PurgePolicy purgePolicy, MemoryArena arena, ThreadCounters counters) {
        this.arena = arena;
        this.counters = counters;
        this.owner = owner;
        this.memory = memory;
        this.eagerCommit = eagerCommit;
        this.eagerCommitDelay = eagerCommitDelay;
        this.purgePolicy = purgePolicy;
    }

    /** The policy purges at once (a delay of 0); asked each time: the options may change at run time. */
    private boolean purgeAtOnce() {
        return purgePolicy.deadline(1, 0, false) <= 1;
    }

    Thread owner() {
        return owner;
    }

    /** The arena this space is bound to, or null. */
    public MemoryArena arena() {
        return arena;
    }

    /** The owner thread's statistics counters. */
    public ThreadCounters counters() {
        return counters;
    }

    SegmentMemory memory() {
        return memory;
    }

    private OsMemory os() {
        return memory.os();
    }

    /**
     * A span of {@code slices} committed slices marked in use; {@link Span#isZeroInit} tells whether
     * it reads as zero. Null when out of memory.
     */
    Span allocateSpan(int slices) {
        return allocateSpan(slices, true);
    }

    /**
     * As {@link #allocateSpan(int)}; with {@code mayGrow} false only the free spans and the spare
     * segment are used, never a new segment (the caller first looks at abandoned segments).
     */
    Span allocateSpan(int slices, boolean mayGrow) {
        return allocateSpan(slices, mayGrow, true);
    }

    /**
     * As {@link #allocateSpan(int, boolean)}; with {@code useSpare} false and {@code mayGrow} false
     * only the free spans are used (a thread with a target number of segments looks at its
     * segments before it takes one more, even the spare).
     */
    Span allocateSpan(int slices, boolean mayGrow, boolean useSpare) {
        return allocateSpan(slices, mayGrow, useSpare, true);
    }

    /**
     * As {@link #allocateSpan(int, boolean, boolean)}; with {@code takeKept} false, never a span that
     * kept its guard page (SECURE: a page with no room for a guard must not get one).
     */
    public Span allocateSpan(int slices, boolean mayGrow, boolean useSpare, boolean takeKept) {
        Span kept = takeKept ? takeGuarded(slices) : null;
        if (kept != null) {
            return kept;
        }
        Span span = spans.take(slices);
        if (span == null) {
            if ((!mayGrow && (spare == null || !useSpare)) || !addSegment()) {
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
        seg.clearPurge(start, slices);
        seg.setCover(span, start, slices);
        seg.usedPages++;
        int zero;
        try {
            zero = seg.commitForUse(start, slices, os());
        } catch (RuntimeException | Error e) { // the error handler threw at a failed commit, or the instance closed
            release(span);
            throw e;
        }
        if (zero < 0) {
            release(span);
            return null;
        }
        span.isZeroInit = zero == 1;
        return span;
    }

    /**
     * Gives a page's span back, coalescing it with free neighbours; a span with a guard page
     * (SECURE) is first kept as it is for a while, for the next page of its size.
     */
    public void freeSpan(Span page) {
        if (page.keepsGuardWhenFreed()) {
            keepGuarded(page);
        } else {
            release(page);
        }
    }

    // ------------------------------------------------------------------ spans that keep their guard

    private final GuardedSpans guarded = new GuardedSpans();

    private void keepGuarded(Span page) {
        page.markFreeKeepingGuard();
        guarded.keep(page, purgePolicy.deadline(os().now(), 0, false));
        for (Span old; (old = guarded.overLimit()) != null; ) {
            release(old);
        }
    }

    /** A kept span of exactly {@code slices} slices, marked in use, or null. */
    private Span takeGuarded(int slices) {
        Span span = guarded.take(slices);
        if (span != null) {
            span.inUse = true;
            span.isZeroInit = false;
        }
        return span;
    }

    /** Spans whose guard page the OS would not lift (see {@link Span#makeStuck}); rare, so a list. */
    private final java.util.ArrayList<Span> stuck = new java.util.ArrayList<>(0);

    /** Tries once more to lift the guards of the stuck spans; those lifted are given back. */
    private void retryStuck() {
        for (int i = stuck.size() - 1; i >= 0; i--) {
            Span span = stuck.get(i);
            if (span.liftGuard() == null) {
                stuck.remove(i);
                span.inUse = false; // as a kept span: counted as used until release
                release(span);
            }
        }
    }

    /** Spans kept out of use because their guard page could not be lifted. */
    int stuckSpans() {
        return stuck.size();
    }

    /** A page of this space made stuck by its heap ({@link Span#makeStuck}): tried again with the others. */
    public void addStuck(Span page) {
        stuck.add(page);
    }

    /** Gives back every kept span (lifting its guard). */
    void releaseGuardedSpans() {
        for (Span span; (span = guarded.last()) != null; ) {
            release(span);
        }
    }

    /** Gives back the kept spans due at {@code now}. */
    private void releaseExpiredGuardedSpans(long now) {
        for (Span span; (span = guarded.expired(now)) != null; ) {
            release(span);
        }
    }

    /** Spans kept with their guard page now. */
    int guardedSpans() {
        return guarded.count();
    }

    // ------------------------------------------------------------------ free spans

    /**
     * Gives a span back for good: guard lifted, coalesced with free neighbours. A span whose guard
     * the OS would not lift stays out of use instead ({@link Span#makeStuck}), for a later collect
     * to try again.
     */
    private void release(Span page) {
        String failure = page.liftGuard();
        if (failure != null) {
            stuck.add(page);
            page.makeStuck(failure);
            return;
        }
        Segment seg = page.segment;
        page.markFree();
        seg.usedPages--;
        int start = page.sliceIndex;
        int n = page.sliceCount;
        if (start > 0) {
            Span before = seg.cover[start - 1];
            if (!before.inUse && before.guardPage() == 0) { // a span kept with its guard is taken
                spans.remove(before);
                n += start - before.sliceIndex;
                start = before.sliceIndex;
            }
        }
        int end = page.sliceIndex + page.sliceCount;
        if (end < seg.sliceCount) {
            Span after = seg.cover[end];
            if (!after.inUse && after.guardPage() == 0) {
                spans.remove(after);
                n += after.sliceCount;
            }
        }
        if (seg.usedPages == 0) {
            removeSegment(seg);
            return;
        }
        makeFree(seg, start, n);
        if (purgeAtOnce()) {
            seg.purge(start, n, os(), purgePolicy.decommits());
        } else {
            long now = os().now();
            // Only the page's own slices: the neighbours it merged with are marked (or purged) already.
            schedulePurge(seg, page.sliceIndex, end - page.sliceIndex, now);
            purgeExpired(now, false);
        }
    }

    /**
     * Marks a free span for purge and sets (or, per the policy, moves) its segment's deadline
     * (mimalloc's {@code mi_segment_schedule_purge}). A policy that never purges leaves the marks
     * for a forced collect.
     */
    private void schedulePurge(Segment seg, int start, int n, long now) {
        seg.markPurge(start, n);
        long next = purgePolicy.deadline(now, seg.purgeExpire, false);
        if (next != PurgePolicy.NEVER) {
            seg.purgeExpire = next == 0 ? 1 : next;
            if (nextPurge == 0 || seg.purgeExpire - nextPurge < 0) {
                nextPurge = seg.purgeExpire;
            }
        }
        if (!seg.purgeListed) {
            seg.purgeListed = true;
            if (pendingCount == pending.length) {
                pending = java.util.Arrays.copyOf(pending, Math.max(8, pendingCount * 2));
            }
            pending[pendingCount++] = seg;
        }
    }

    /**
     * Purges the segments whose deadline has passed (all with {@code force}), returns the spare
     * segment when its deadline has passed, and lets the arenas purge what is due. Cheap when
     * nothing is due: one comparison against the earliest deadline.
     */
    private void purgeExpired(long now, boolean force) {
        if (!force && (nextPurge == 0 || now - nextPurge < 0)) {
            return;
        }
        long earliest = 0;
        int kept = 0;
        for (int i = 0; i < pendingCount; i++) {
            Segment seg = pending[i];
            long expire = seg.purgeExpire;
            if (force || (expire != 0 && now - expire >= 0)) {
                purgedBytes += seg.purgeMarked(os(), purgePolicy.decommits());
                seg.purgeExpire = 0;
                seg.purgeListed = false;
                continue;
            }
            if (expire != 0 && (earliest == 0 || expire - earliest < 0)) {
                earliest = expire;
            }
            pending[kept++] = seg;
        }
        java.util.Arrays.fill(pending, kept, pendingCount, null);
        pendingCount = kept;
        if (spare != null) {
            if (force || (spareExpire != 0 && now - spareExpire >= 0)) {
                Segment s = spare; // an empty segment kept for reuse: past the delay it goes back
                spare = null;
                spareExpire = 0;
                memory.release(s);
            } else if (spareExpire != 0 && (earliest == 0 || spareExpire - earliest < 0)) {
                earliest = spareExpire;
            }
        }
        nextPurge = earliest;
        memory.arenas().tryPurge(force);
    }

    /** Takes a segment out of the purge list (it leaves this space). */
    private void unlistPurge(Segment seg) {
        seg.clearPurge(0, seg.sliceCount);
        seg.purgeExpire = 0;
        if (!seg.purgeListed) {
            return;
        }
        seg.purgeListed = false;
        for (int i = 0; i < pendingCount; i++) {
            if (pending[i] == seg) {
                pending[i] = pending[--pendingCount];
                pending[pendingCount] = null;
                return;
            }
        }
    }

    private void makeFree(Segment seg, int start, int n) {
        Span span = seg.spanObjectAt(start);
        span.markFree();
        span.sliceCount = n;
        seg.setCover(span, start, n);
        spans.push(span);
    }

    private boolean addSegment() {
        Segment seg = spare;
        if (seg != null) {
            spare = null;
            spareExpire = 0;
        } else {
            // Eager commit after the first eager_commit_delay segments: a thread that allocates a
            // little never commits a whole segment up front (mimalloc's _mi_segment_alloc).
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
     * Free spans whose purge is due are purged; with {@code purgeAll} (option
     * {@code abandoned_page_purge}), and always for segments straight from the OS (which only a free
     * can bring back, as mimalloc reasons), every free span is purged; the others are purged when a
     * forced collect looks at the abandoned segment, or by the space that reclaims it.
     *
     * @return the detached segments; each still has pages in use
     */
    public java.util.List<Segment> detachAll(boolean purgeAll) {
        releaseGuardedSpans(); // abandoned segments hold no kept spans: whoever reclaims them sees plain free spans
        retryStuck();
        stuck.clear(); // the rest stay in their segments as pages in use: whoever claims one tries again
        long now = os().now();
        if (spare != null) {
            Segment s = spare;
            spare = null;
            spareExpire = 0;
            memory.release(s);
        }
        java.util.List<Segment> out = new java.util.ArrayList<>(segments);
        while (segmentList != null) {
            Segment seg = segmentList;
            spans.removeAll(seg);
            unlink(seg);
            if (purgeAll || !seg.memory.fromArena()) {
                purgeFreeSpans(seg);
            } else if (seg.purgeExpire != 0 && now - seg.purgeExpire >= 0) {
                purgedBytes += seg.purgeMarked(os(), purgePolicy.decommits());
            }
            unlistPurge(seg);
            seg.ownerThread = null;
            seg.space = null;
            out.add(seg);
        }
        return out;
    }

    /**
     * One segment leaves the space while the thread goes on (option {@code
     * target_segments_per_thread}: mimalloc's {@code mi_segment_force_abandon}); its pages in use
     * already left the thread's heaps. As {@link #detachAll} for that segment; the spans kept with
     * their guard go back first (they may lie in it).
     *
     * @return true when the segment left the space and still has pages in use (the caller marks it
     * abandoned); false when giving the kept spans back emptied it
     */
    public boolean detach(Segment seg, boolean purgeAll) {
        releaseGuardedSpans();
        if (seg.space != this || seg.usedPages == 0) {
            return false;
        }
        spans.removeAll(seg);
        unlink(seg);
        if (purgeAll || !seg.memory.fromArena()) {
            purgeFreeSpans(seg);
        } else if (seg.purgeExpire != 0 && os().now() - seg.purgeExpire >= 0) {
            purgedBytes += seg.purgeMarked(os(), purgePolicy.decommits());
        }
        unlistPurge(seg);
        seg.ownerThread = null;
        seg.space = null;
        return true;
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
        for (int i = 0; i < seg.sliceCount; i = seg.cover[i].sliceIndex + seg.cover[i].sliceCount) {
            if (seg.cover[i].isStuck()) {
                stuck.add(seg.cover[i]);
            }
        }
        if (seg.usedPages == 0) {
            removeSegment(seg);
            return;
        }
        long now = os().now();
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
            if (purgeAtOnce()) {
                seg.purge(start, i - start, os(), purgePolicy.decommits());
            } else {
                schedulePurge(seg, start, i - start, now);
            }
        }
    }

    /** Purges every free span of a segment this space holds exclusively (or a detached one). */
    public void purgeFreeSpans(Segment seg) {
        int i = 0;
        while (i < seg.sliceCount) {
            Span span = seg.cover[i];
            if (!span.inUse) {
                seg.purge(span.sliceIndex, span.sliceCount, os(), purgePolicy.decommits());
            }
            i = span.sliceIndex + span.sliceCount;
        }
    }

    /**
     * Turns a page of an abandoned (detached) segment whose blocks are all free into a free span,
     * merged with free neighbours but put in no queue. The caller owns the segment exclusively.
     *
     * @return the free span now covering the page
     */
    public static Span clearDetachedPage(Span page) {
        String failure = page.liftGuard(); // SECURE: the guard page goes first, as for every span that is freed
        if (failure != null) {
            if (!page.isStuck()) {
                page.makeStuck(failure);
            }
            return page; // still in use: the next claim of the segment tries again
        }
        Segment seg = page.segment;
        page.markFree();
        seg.usedPages--;
        int start = page.sliceIndex;
        int end = start + page.sliceCount;
        if (start > 0 && !seg.cover[start - 1].inUse) {
            start = seg.cover[start - 1].sliceIndex;
        }
        if (end < seg.sliceCount && !seg.cover[end].inUse) {
            end += seg.cover[end].sliceCount;
        }
        Span span = seg.spanObjectAt(start);
        span.markFree();
        span.sliceCount = end - start;
        seg.setCover(span, start, end - start);
        return span;
    }

    private void removeSegment(Segment seg) {
        unlink(seg);
        unlistPurge(seg);
        long now = os().now();
        long expire = purgeAtOnce() ? 0 : purgePolicy.deadline(now, 0, false);
        if (spare == null && !purgeAtOnce()) {
            spare = seg;
            if (expire != PurgePolicy.NEVER) {
                spareExpire = expire == 0 ? 1 : expire;
                if (nextPurge == 0 || spareExpire - nextPurge < 0) {
                    nextPurge = spareExpire;
                }
            }
        } else {
            memory.release(seg); // the arena schedules the purge of its blocks
        }
        purgeExpired(now, false);
        if (purgeAtOnce()) {
            memory.arenas().tryPurge(false);
        }
    }

    /**
     * Returns memory: what is due is purged; with {@code force} every free span is purged, the
     * spare segment goes back and the arenas purge every freed block at once.
     */
    public void collect(boolean force) {
        long now = os().now();
        if (force) {
            releaseGuardedSpans();
        } else {
            releaseExpiredGuardedSpans(now);
        }
        if (!stuck.isEmpty()) {
            retryStuck(); // one call per stuck span and collect, as purges are tried
        }
        purgeExpired(now, force);
        if (!force) {
            memory.arenas().tryPurge(false);
        }
    }

    /** Bytes purged from this thread's free spans so far. */
    long purgedBytes() {
        return purgedBytes;
    }

    /** Segments with free spans waiting for their purge. */
    int segmentsWaitingForPurge() {
        return pendingCount;
    }

    /** Segments in use by this thread (not counting the spare). */
    public int segments() {
        return segments;
    }

    /** Free spans waiting in the queues. */
    int freeSpans() {
        return spans.count();
    }

    boolean hasSpare() {
        return spare != null;
    }
}
