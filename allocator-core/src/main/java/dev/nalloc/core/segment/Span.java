package dev.nalloc.core.segment;

/**
 * A run of slices of a segment (mimalloc's {@code mi_slice_t}): either a free span waiting in a
 * span queue, or the span of a page of blocks. mimalloc's slice is its page; here the page layer's
 * {@code Page} extends this class, and a segment makes its span objects through the
 * {@link SpanFactory} its instance was given, so the segment layer never names a page: it sees the
 * slices a span covers and the few things it asks of the layer above ({@link #markFree}, and the
 * guard pages of SECURE pages, which go with the span).
 */
public abstract class Span {

    /** The segment this span lies in (fixed: a span object belongs to one slice index of one segment). */
    public final Segment segment;
    /** The first slice of the span. */
    public final int sliceIndex;
    /** The slices the span covers (set by the segment layer). */
    int sliceCount;
    /** True for a page of blocks (or a span kept out of use), false for a free span. */
    boolean inUse;
    /** The span's memory read as zero when it was handed out ({@link SegmentSpace#allocateSpan}). */
    boolean isZeroInit;

    /** The span-queue bin and links while the span is free (see {@link SpanQueues}). */
    int spanBin;
    Span nextSpan;
    Span prevSpan;

    protected Span(Segment segment, int sliceIndex) {
        this.segment = segment;
        this.sliceIndex = sliceIndex;
    }

    /** The slices the span covers. */
    public final int sliceCount() {
        return sliceCount;
    }

    /** True for a page of blocks (or a span kept out of use), false for a free span. */
    public final boolean inUse() {
        return inUse;
    }

    /** The span's memory read as zero when it was handed out (the page layer keeps it up to date while its page lives). */
    public final boolean isZeroInit() {
        return isZeroInit;
    }

    /** Sets whether the span is in use (plain store): the page layer, as its page starts and ends. */
    protected final void setInUse(boolean inUse) {
        this.inUse = inUse;
    }

    /** Sets whether the span's memory reads as zero (plain store): the page layer, as it writes blocks. */
    protected final void setZeroInit(boolean zero) {
        this.isZeroInit = zero;
    }

    /**
     * Marks the span free: the page layer drops its page (no block, no heap) and lifts nothing. A
     * page with a guard page has had it lifted before ({@link #liftGuard}).
     */
    public abstract void markFree();

    /**
     * Marks the span free while it keeps its guard page (SECURE), for a page of the same size to take
     * over; the guard is lifted when the span is given back for good.
     */
    protected abstract void markFreeKeepingGuard();

    /** True when the span, being freed, is kept with its guard page for a while (see {@code GuardedSpans}). */
    protected abstract boolean keepsGuardWhenFreed();

    /**
     * The guard page (SECURE) this span has, or that it kept when it was freed with it; 0 when there
     * is none.
     */
    public abstract long guardPage();

    /**
     * Lifts the span's guard page (SECURE), before the span is freed.
     *
     * @return null when there is none left, else why the OS would not lift it (not reported yet):
     *         then the span must stay out of use ({@link #makeStuck})
     */
    public abstract String liftGuard();

    /**
     * The OS would not lift this span's guard page: the span stays out of use ({@link #isStuck}),
     * still counted in its segment, until a later {@link #liftGuard} succeeds; {@code failure} is
     * reported now (the handler may throw: the span is set aside first).
     */
    public abstract void makeStuck(String failure);

    /** A span kept out of use because its guard page could not be lifted (see {@link #makeStuck}). */
    public abstract boolean isStuck();

    @Override
    public String toString() {
        return "Span[slice " + sliceIndex + " +" + sliceCount + "]";
    }
}
