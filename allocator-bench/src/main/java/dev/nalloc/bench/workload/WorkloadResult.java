package dev.nalloc.bench.workload;

/**
 * What one workload run measured.
 *
 * @param operations   allocator operations performed (mallocs + frees, or the workload's own unit)
 * @param elapsedNanos wall-clock time of the measured part
 * @param detail       a short human note (e.g. "frees/s" figure or thread hand-offs)
 */
public record WorkloadResult(long operations, long elapsedNanos, String detail) {

    public double seconds() {
        return elapsedNanos / 1e9;
    }

    /** Nanoseconds per operation: the figure relative times compare. */
    public double nanosPerOperation() {
        return operations == 0 ? Double.NaN : (double) elapsedNanos / operations;
    }
}
