package dev.nalloc.core.segment;

import dev.nalloc.core.memory.Layout;

import dev.nalloc.core.arena.MemoryBlock;
import dev.nalloc.core.os.OsMemory;

/**
 * A 32 MiB-aligned segment of 64 KiB slices (mimalloc's {@code mi_segment_t}), or a huge segment
 * holding one block. The native memory holds only blocks; the slice table, commit mask and span
 * objects are here. {@link #cover} maps every slice to the span (page or free span) that covers it,
 * so a free finds its page with one shift. The span objects are the page layer's pages, made
 * through the instance's {@link SpanFactory}.
 */
public final class Segment {

    /** The allocator instance the segment belongs to (compared by identity). */
    public final Object allocator;
    /**
     * The thread whose heaps allocate from this segment: frees on it are local. Null while the
     * segment is abandoned, for huge segments, and for segments of shared heaps (every free on
     * them takes the remote path). Written by the owning side only: the thread itself, or the one
     * thread that abandoned (for a dead thread) or reclaimed it; the hand-over is published by the
     * abandoned mark's atomic update. A racing reader on another thread sees either value, and
     * neither is its own thread, so it frees remotely either way. Plain field: {@link #ownerThread()}.
     */
    Thread ownerThread;
    /** The segment space holding this segment, or null (huge, or abandoned). Owning side only, like {@link #ownerThread}. */
    SegmentSpace space;
    /** True while the segment is abandoned: no thread owns it, its blocks are freed remotely. */
    private volatile boolean abandoned;
    /** Reclaim searches that looked at this segment and left it abandoned (mimalloc's {@code abandoned_visits}). */
    private int abandonedVisits;
    /** Links in the owning space's list of segments. */
    Segment nextInSpace;
    Segment prevInSpace;
    public final MemoryBlock memory;
    public final long base;
    final long size;
    public final int sliceCount;
    /** 16 for ordinary segments; 63 for huge ones (every offset maps to slice 0). */
    final int sliceShift;
    public final boolean huge;
    /**
     * For each slice, the span (page or free span) covering it. An array of the factory's span type
     * ({@link SpanFactory#newCover}), which the page layer reads typed.
     */
    public final Span[] cover;
    /** Span objects by start slice, made on first use and reused (no garbage in steady state). */
    private final Span[] spanObjects;
    private final SpanFactory spanFactory;
    /** Pages in use (the owning side; or the one thread that claimed the abandoned segment). */
    int usedPages;
    private final long[] committedMask;
    private final long[] zeroMask;
    /** Free slices waiting for their purge (committed when marked; cleared when reused). */
    private final long[] purgeMask;
    /** Slices reset (not decommitted) by a purge: announced with {@code reuse} before they are used again. */
    private final long[] resetMask;
    /**
     * Slices in use for the statistics' {@code committed}: handed to a page since they were last
     * purged (they may be free again, waiting for their purge). Replaced by the arena's record of
     * the block when the segment is made on memory a previous segment used and nobody purged.
     */
    private final long[] activeMask;
    /** A huge segment's bytes in use: its block, made usable at once (set when the segment is made). */
    long hugeInUse;
    /** When the marked slices are due ({@code OsMemory.now()} scale; owner thread only), 0 when not scheduled. */
    long purgeExpire;
    /** In the owner space's list of segments with pending purges. */
    boolean purgeListed;

    Segment(Object allocator, Thread ownerThread, SegmentSpace space, MemoryBlock memory, boolean huge,
            SpanFactory spanFactory) {
        this.allocator = allocator;
        this.spanFactory = spanFactory;
        this.ownerThread = ownerThread;
        this.space = space;
        this.memory = memory;
        this.base = memory.address();
        this.size = huge ? memory.size() : Layout.SEGMENT_SIZE;
        this.huge = huge;
        this.sliceCount = huge ? 1 : Layout.SLICES_PER_SEGMENT;
        this.sliceShift = huge ? 63 : Layout.SLICE_SHIFT;
        this.cover = spanFactory.newCover(sliceCount);
        this.spanObjects = new Span[sliceCount];
        this.committedMask = new long[(sliceCount + 63) >>> 6];
        this.zeroMask = new long[committedMask.length];
        this.purgeMask = new long[committedMask.length];
        this.resetMask = new long[committedMask.length];
        this.activeMask = new long[committedMask.length];
        if (memory.committed()) {
            setBits(committedMask, 0, sliceCount, true);
        }
        if (memory.zero()) {
            setBits(zeroMask, 0, sliceCount, true);
        }
    }

    /**
     * The thread whose heaps allocate from this segment, or null (see the field), read plainly: on
     * the owning side it is its own last write; another thread sees either value, neither its own.
     */
    public Thread ownerThread() {
        return ownerThread;
    }

    /** The segment space holding this segment, or null (huge, or abandoned); a plain read by the owning side. */
    public SegmentSpace space() {
        return space;
    }

    /** Pages in use; a plain read by the owning side (or the thread that claimed the abandoned segment). */
    public int usedPages() {
        return usedPages;
    }

    /** Reclaim searches that looked at this segment and left it abandoned (plain; the claiming thread). */
    public int abandonedVisits() {
        return abandonedVisits;
    }

    /** One more reclaim search looks at this abandoned segment (plain; the thread that claimed it from the abandoned set). */
    public void countAbandonedVisit() {
        abandonedVisits++;
    }

    /** The segment is reclaimed: its visits count starts again for its next abandonment (plain; the reclaiming thread). */
    public void clearAbandonedVisits() {
        abandonedVisits = 0;
    }

    /** Whether the segment is abandoned, read with volatile semantics (any thread). */
    public boolean getVolatileAbandoned() {
        return abandoned;
    }

    /** Marks the segment abandoned or taken, with volatile semantics (the abandoned set's side). */
    void setVolatileAbandoned(boolean value) {
        abandoned = value;
    }

    /** The span covering {@code address} (which lies in this segment). */
    public Span spanOf(long address) {
        return cover[(int) ((address - base) >>> sliceShift)];
    }

    /**
     * Calls {@code action} on every span in use of this segment that is not stuck: the pages of
     * blocks (any thread: racy reads, for statistics).
     */
    void forEachPageSpan(java.util.function.Consumer<Span> action) {
        for (Span s : spanObjects) {
            if (s != null && s.inUse && s.segment == this && !s.isStuck()) {
                action.accept(s);
            }
        }
    }

    /** The reusable span object for a span starting at {@code slice}. */
    Span spanObjectAt(int slice) {
        Span s = spanObjects[slice];
        if (s == null) {
            s = spanFactory.newSpan(this, slice);
            spanObjects[slice] = s;
        }
        return s;
    }

    /** The one span of a huge segment, covering it whole and counted as its page in use. */
    public Span hugeSpan() {
        Span s = spanObjectAt(0);
        s.sliceCount = 1;
        setCover(s, 0, 1);
        usedPages = 1;
        return s;
    }

    /** Points slices {@code [from, from + n)} at {@code span}. */
    void setCover(Span span, int from, int n) {
        for (int i = from; i < from + n; i++) {
            cover[i] = span;
        }
    }

    public long sliceAddress(int slice) {
        return base + ((long) slice << Layout.SLICE_SHIFT);
    }

    // ------------------------------------------------------------------ commit

    /**
     * Commits the uncommitted slices of {@code [from, from + n)} and marks the range as used.
     *
     * @return 1 when the whole range reads as zero, 0 when not, -1 when the OS refused
     */
    int commitForUse(int from, int n, OsMemory os) {
        if (huge) {
            return memory.zero() ? 1 : 0;
        }
        int i = from;
        int end = from + n;
        while (i < end) {
            if (getBit(committedMask, i)) {
                i++;
                continue;
            }
            int runEnd = i;
            while (runEnd < end && !getBit(committedMask, runEnd)) {
                runEnd++;
            }
            int r = os.commit(sliceAddress(i), (long) (runEnd - i) << Layout.SLICE_SHIFT);
            if (r < 0) {
                return -1;
            }
            setBits(committedMask, i, runEnd - i, true);
            if (r == 1) {
                setBits(zeroMask, i, runEnd - i, true);
            } // else: zero only if never used since the (zero) reservation, as the mask already says
            i = runEnd;
        }
        reuseResetSlices(from, n, os);
        os.stats().inUse(((long) (n - countBits(activeMask, from, n))) << Layout.SLICE_SHIFT);
        setBits(activeMask, from, n, true);
        boolean zero = allBits(zeroMask, from, n);
        setBits(zeroMask, from, n, false);
        return zero ? 1 : 0;
    }

    /** Announces the reuse of the reset slices of {@code [from, from + n)}, a run at a time. */
    private void reuseResetSlices(int from, int n, OsMemory os) {
        int i = from;
        int end = from + n;
        while (i < end) {
            if (!getBit(resetMask, i)) {
                i++;
                continue;
            }
            int runEnd = i;
            while (runEnd < end && getBit(resetMask, runEnd)) {
                runEnd++;
            }
            os.reuse(sliceAddress(i), (long) (runEnd - i) << Layout.SLICE_SHIFT);
            setBits(resetMask, i, runEnd - i, false);
            i = runEnd;
        }
    }

    /** Gives the memory of free slices {@code [from, from + n)} back: decommit or reset. */
    void purge(int from, int n, OsMemory os, boolean decommit) {
        int i = from;
        int end = from + n;
        while (i < end) {
            if (!getBit(committedMask, i)) {
                i++;
                continue;
            }
            int runEnd = i;
            while (runEnd < end && getBit(committedMask, runEnd)) {
                runEnd++;
            }
            long bytes = (long) (runEnd - i) << Layout.SLICE_SHIFT;
            os.stats().notInUse((long) countBits(activeMask, i, runEnd - i) << Layout.SLICE_SHIFT);
            setBits(activeMask, i, runEnd - i, false);
            if (decommit) {
                // Done or not (a failure is reported), the slices count as decommitted from now on:
                // they are committed again before use, never used while the OS may have taken them.
                setBits(committedMask, i, runEnd - i, false);
                setBits(resetMask, i, runEnd - i, false);
                os.decommit(sliceAddress(i), bytes, bytes);
            } else {
                os.reset(sliceAddress(i), bytes);
                setBits(resetMask, i, runEnd - i, true);
            }
            os.stats().purged(sliceAddress(i), bytes, decommit);
            i = runEnd;
        }
    }

    /**
     * Bytes in use for the statistics (see {@link #activeMask}); the whole segment for a huge one.
     */
    long activeBytes() {
        if (huge) {
            return hugeInUse;
        }
        return (long) countBits(activeMask, 0, sliceCount) << Layout.SLICE_SHIFT;
    }

    /** The slices in use (see {@link #activeMask}); the segment gives its memory back with it. */
    long[] activeMask() {
        return activeMask;
    }

    /** Takes over the slices in use of the memory's previous segment (kept by its arena). */
    void adoptActive(long[] mask) {
        System.arraycopy(mask, 0, activeMask, 0, activeMask.length);
    }

    /** True when some slice was reset and not used since. */
    boolean hasResetSlices() {
        for (long w : resetMask) {
            if (w != 0) {
                return true;
            }
        }
        return false;
    }

    /** Marks the committed slices of the free span {@code [from, from + n)} for a later purge. */
    void markPurge(int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (getBit(committedMask, i)) {
                purgeMask[i >>> 6] |= 1L << (i & 63);
            }
        }
    }

    /** The slices {@code [from, from + n)} are in use again: nothing of them to purge. */
    void clearPurge(int from, int n) {
        setBits(purgeMask, from, n, false);
    }

    /** True when some slice is marked for purge. */
    boolean hasPurgeMarks() {
        for (long w : purgeMask) {
            if (w != 0) {
                return true;
            }
        }
        return false;
    }

    /** Purges every marked slice (runs of them at once) and clears the marks; returns bytes purged. */
    long purgeMarked(OsMemory os, boolean decommit) {
        long bytes = 0;
        int i = 0;
        while (i < sliceCount) {
            if (!getBit(purgeMask, i)) {
                i++;
                continue;
            }
            int runEnd = i;
            while (runEnd < sliceCount && getBit(purgeMask, runEnd)) {
                runEnd++;
            }
            setBits(purgeMask, i, runEnd - i, false);
            purge(i, runEnd - i, os, decommit);
            bytes += (long) (runEnd - i) << Layout.SLICE_SHIFT;
            i = runEnd;
        }
        return bytes;
    }

    /** Bytes of this segment that are committed. */
    long committedBytes() {
        if (huge) {
            return memory.committed() ? size : 0;
        }
        long c = 0;
        for (long w : committedMask) {
            c += Long.bitCount(w);
        }
        return c << Layout.SLICE_SHIFT;
    }

    /** Bytes committed among slices {@code [from, from + n)}. */
    long committedBytes(int from, int n) {
        if (huge) {
            return committedBytes();
        }
        long c = 0;
        for (int i = from; i < from + n; i++) {
            if (getBit(committedMask, i)) {
                c++;
            }
        }
        return c << Layout.SLICE_SHIFT;
    }

    boolean fullyCommitted() {
        return committedBytes() == (huge ? size : Layout.SEGMENT_SIZE);
    }

    private static boolean getBit(long[] mask, int i) {
        return (mask[i >>> 6] & (1L << (i & 63))) != 0;
    }

    private static int countBits(long[] mask, int from, int n) {
        int c = 0;
        for (int i = from; i < from + n; i++) {
            if (getBit(mask, i)) {
                c++;
            }
        }
        return c;
    }

    private static boolean allBits(long[] mask, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (!getBit(mask, i)) {
                return false;
            }
        }
        return true;
    }

    private static void setBits(long[] mask, int from, int n, boolean value) {
        for (int i = from; i < from + n; i++) {
            if (value) {
                mask[i >>> 6] |= 1L << (i & 63);
            } else {
                mask[i >>> 6] &= ~(1L << (i & 63));
            }
        }
    }

    @Override
    public String toString() {
        return (huge ? "HugeSegment[0x" : "Segment[0x") + Long.toHexString(base) + " +" + size + "]";
    }
}
