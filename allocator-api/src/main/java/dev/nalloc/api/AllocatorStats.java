package dev.nalloc.api;

/**
 * A snapshot of an allocator's statistics (mimalloc's {@code mi_stats_t}, in part).
 * The {@code allocator-stats} module renders and exports richer views.
 */
public interface AllocatorStats {

    /** Bytes of virtual address space reserved from the OS. */
    long reserved();

    /** Bytes committed (backed or chargeable) from the OS. */
    long committed();

    /** Bytes in live blocks (usable sizes). */
    long allocated();

    /** The peak of {@link #allocated()}. */
    long allocatedPeak();

    /** Live blocks. */
    long allocationCount();

    /** The snapshot as a JSON object (schema documented in docs/statistics.md). */
    String toJson();
}
