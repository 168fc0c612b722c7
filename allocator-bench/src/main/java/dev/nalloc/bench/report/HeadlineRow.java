package dev.nalloc.bench.report;

/**
 * One JMH result of the headline (64 B malloc + free on one thread).
 *
 * @param peer        the allocator (or Java API variant)
 * @param benchmark   the JMH benchmark method
 * @param nanosPerOp  average time per operation
 * @param error       the 99.9% confidence half-width reported by JMH
 * @param bytesPerOp  Java heap allocation per operation ({@code -prof gc}), -1 if not measured
 */
public record HeadlineRow(String peer, String benchmark, double nanosPerOp, double error, double bytesPerOp) {

    /** Nalloc as applications hold it ({@code static final Allocator}), no peer interface in between. */
    public static final String NALLOC_STATIC = "nalloc (static final Allocator)";
    /** Nalloc through an {@code Allocator} held in an object's field. */
    public static final String NALLOC_FIELD = "nalloc (Allocator in a field)";
    /** mimalloc through its static final downcall handles: the same-path partner of {@link #NALLOC_STATIC}. */
    public static final String MIMALLOC_STATIC = "mimalloc (static downcalls)";

    /**
     * Whether this is a row of the threads table (the pair on worker and virtual threads, larson's
     * inner loop on a worker, cross-thread free), not of the one-thread headline.
     */
    public boolean threads() {
        return benchmark.startsWith("pair") || benchmark.equals("churnWorker") || benchmark.equals("tasks")
                || benchmark.equals("pingPong");
    }
}
