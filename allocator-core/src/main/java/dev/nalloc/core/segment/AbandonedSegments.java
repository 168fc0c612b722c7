package dev.nalloc.core.segment;

import dev.nalloc.core.arena.Arenas;
import dev.nalloc.core.arena.MemoryArena;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The segments of one allocator instance that no thread owns (mimalloc's abandoned segments,
 * {@code arena.c}'s {@code blocks_abandoned}): a segment in arena memory is marked in its arena's
 * {@code abandoned} bitmap, one that came straight from the OS is on a lock-free queue. The mark
 * is the ownership: whoever clears it (an atomic bit clear, or removal from the queue) has the
 * segment to itself until it marks it again or takes it over. The mark's atomic update publishes
 * everything the abandoning thread wrote to the segment and its pages.
 */
public final class AbandonedSegments {

    private final Arenas arenas;
    private final ConcurrentLinkedQueue<Segment> fromOs = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    /** Pages in use inside abandoned segments (no heap holds them). */
    private final AtomicLong pages = new AtomicLong();
    /** Where the next search starts (spreads searching threads over the arenas). */
    private final AtomicInteger nextStart = new AtomicInteger();
    private final AtomicLong abandonedEver = new AtomicLong();
    private final AtomicLong reclaimedEver = new AtomicLong();
    private final AtomicLong freedEver = new AtomicLong();

    /**
     * With option {@code visit_abandoned}: searches (claims that may mark the segment abandoned
     * again) hold the read lock, a visit of the abandoned segments the write lock; null without it.
     */
    private final ReentrantReadWriteLock visits;

    AbandonedSegments(Arenas arenas) {
        this(arenas, false);
    }

    /** @param visitable option {@code visit_abandoned}: the abandoned segments can be visited */
    public AbandonedSegments(Arenas arenas, boolean visitable) {
        this.arenas = arenas;
        this.visits = visitable ? new ReentrantReadWriteLock() : null;
    }

    /** True when the abandoned segments can be visited (option {@code visit_abandoned}). */
    public boolean visitable() {
        return visits != null;
    }

    /**
     * Begins a search that may claim segments and mark them abandoned again (a reclaim search, a
     * collection): false while a visit runs (the search is skipped, as mimalloc's try-lock does),
     * so that a visit never misses a segment a search holds for a moment. Always true without
     * {@code visit_abandoned}. End it with {@link #endSearch}.
     */
    public boolean beginSearch() {
        // A search a visitor starts (by allocating) is skipped too: it could move segments past the visit.
        return visits == null || (!visits.isWriteLockedByCurrentThread() && visits.readLock().tryLock());
    }

    public void endSearch() {
        if (visits != null) {
            visits.readLock().unlock();
        }
    }

    /** Begins a visit: waits for the searches in progress and keeps new ones out until {@link #endVisit}. */
    public void beginVisit() {
        visits.writeLock().lock();
    }

    public void endVisit() {
        visits.writeLock().unlock();
    }

    /**
     * Publishes a detached segment with {@code pagesInUse} pages in use: from now on any thread may
     * claim it. The caller must not touch it afterwards.
     */
    public void add(Segment seg, int pagesInUse) {
        pages.addAndGet(pagesInUse);
        abandonedEver.incrementAndGet();
        mark(seg);
    }

    /** Marks a claimed segment abandoned again (a search looked at it and left it). */
    public void putBack(Segment seg) {
        mark(seg);
    }

    private void mark(Segment seg) {
        seg.setVolatileAbandoned(true);
        count.incrementAndGet();
        if (seg.memory.fromArena()) {
            seg.memory.arena().markAbandoned(seg.memory.blockIndex());
        } else {
            fromOs.add(seg);
        }
    }

    /** Claims {@code seg} if it is still abandoned: true for exactly one caller. */
    public boolean claim(Segment seg) {
        if (!seg.getVolatileAbandoned()) {
            return false;
        }
        boolean got = seg.memory.fromArena()
                ? seg.memory.arena().claimAbandoned(seg.memory.blockIndex())
                : fromOs.remove(seg);
        if (got) {
            claimed(seg);
        }
        return got;
    }

    private void claimed(Segment seg) {
        seg.setVolatileAbandoned(false);
        count.decrementAndGet();
    }

    /** A search over the abandoned segments, each visited at most once (arenas first, then the OS queue). */
    public final class Cursor {
        private final int startArena;
        private int arenaStep;
        private int block;
        private final int osLimit;
        private int osTaken;

        private Cursor(int startArena) {
            this.startArena = startArena;
            this.osLimit = fromOs.size();
        }

        /** The next abandoned segment, claimed for the caller, or null when the search is over. */
        public Segment next() {
            int n = arenas.getVolatileCount();
            while (arenaStep < n) {
                MemoryArena arena = arenas.get((startArena + arenaStep) % n);
                int i = arena == null ? -1 : arena.nextAbandoned(block);
                if (i < 0) {
                    arenaStep++;
                    block = 0;
                    continue;
                }
                block = i + 1;
                if (arena.claimAbandoned(i)) {
                    Segment seg = SegmentMap.lookup(arena.blockAddress(i));
                    if (seg == null) { // only a close racing with the search takes it out of the map
                        throw new IllegalStateException(arenas.isClosed() ? "nalloc: the allocator is closed"
                                : "nalloc: internal error: an abandoned arena block holds no segment");
                    }
                    claimed(seg);
                    return seg;
                }
            }
            // Segments put back during this search go to the tail: at most the ones present at the start.
            while (osTaken < osLimit) {
                osTaken++;
                Segment seg = fromOs.poll();
                if (seg == null) {
                    return null;
                }
                claimed(seg);
                return seg;
            }
            return null;
        }
    }

    /** Starts a search. */
    public Cursor cursor() {
        int n = Math.max(1, arenas.getVolatileCount());
        return new Cursor(Math.floorMod(nextStart.getAndIncrement(), n));
    }

    /**
     * How many abandoned segments one allocation may look at (mimalloc's
     * {@code mi_segment_get_reclaim_tries}): {@code percent} (option {@code max_segment_reclaim})
     * of them, at least 8 (or all when fewer) and at most 1024; 0 when {@code percent} is 0.
     */
    public int reclaimTries(long percent) {
        return reclaimTries(percent, count.get());
    }

    /** {@link #reclaimTries(long)} with {@code total} segments abandoned. */
    static int reclaimTries(long percent, int total) {
        long p = Math.max(0, Math.min(100, percent));
        if (p == 0 || total <= 0) {
            return 0;
        }
        long tries = Math.max(1, Math.min(1024, total * p / 100));
        return (int) Math.max(tries, Math.min(total, 8));
    }

    /** Segments abandoned right now. */
    public int count() {
        return count.get();
    }

    /** Pages in use in abandoned segments right now. */
    public long pages() {
        return pages.get();
    }

    /** {@code n} pages left the abandoned segments (freed, or reclaimed into a heap). */
    public void pagesLeft(int n) {
        if (n != 0) {
            pages.addAndGet(-n);
        }
    }

    /** Counts a segment taken over by a thread. */
    public void countReclaimed() {
        reclaimedEver.incrementAndGet();
    }

    /** Counts an abandoned segment given back because it became empty. */
    public void countFreed() {
        freedEver.incrementAndGet();
    }

    /** Segments ever abandoned. */
    long abandonedEver() {
        return abandonedEver.get();
    }

    /** Abandoned segments ever reclaimed by a thread. */
    long reclaimedEver() {
        return reclaimedEver.get();
    }

    /** Abandoned segments ever given back because they became empty. */
    long freedEver() {
        return freedEver.get();
    }

    /** Forgets everything: the instance closed and its segments are gone. */
    public void clear() {
        fromOs.clear();
        count.set(0);
        pages.set(0);
    }
}
