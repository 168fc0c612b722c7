package dev.nalloc.core.segment;

/**
 * Makes a segment's span objects and its cover array: supplied from above (the page layer), so
 * that the segment layer holds the page objects of its slices without naming their type.
 */
public interface SpanFactory {

    /** A new span object for the span starting at {@code sliceIndex} of {@code segment}. */
    Span newSpan(Segment segment, int sliceIndex);

    /**
     * A new cover array of {@code slices} entries ({@link Segment#cover}). An array of the span type
     * the factory makes (arrays are covariant), so the layer above reads it typed, without a cast
     * per lookup on the free path.
     */
    Span[] newCover(int slices);
}
