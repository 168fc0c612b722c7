package dev.nalloc.bench.report;

/**
 * One workload run of one allocator, as measured in its own child JVM.
 *
 * @param workload         the workload name
 * @param peer             the allocator name
 * @param status           {@link #OK}, {@link #FAILED} (e.g. corruption detected, crash, timeout) or {@link #SKIPPED}
 * @param message          why it failed or was skipped; empty when ok
 * @param operations       operations performed
 * @param elapsedNanos     time of the measured part
 * @param peakRssBytes     peak resident set size of the child process (VmHWM), -1 if unknown
 * @param startRssBytes    resident set size just before the workload started (the JVM's own share), -1 if unknown
 * @param peakCommitBytes  peak of the allocator's own committed-bytes figure, -1 if it cannot say
 * @param heapHeldBytes    Java heap the allocator holds once the workload is done (live heap after a full
 *                         collection with the allocator open, minus the live heap before it was opened), -1 if unknown
 * @param heapPeakBytes    the highest live Java heap above that baseline that a collection left during the
 *                         run (the workload's own objects included), at least {@code heapHeldBytes}; -1 if unknown
 * @param detail           the workload's own short note
 */
public record RunRecord(String workload, String peer, String status, String message, long operations,
                        long elapsedNanos, long peakRssBytes, long startRssBytes, long peakCommitBytes,
                        long heapHeldBytes, long heapPeakBytes, String detail) {

    public static final String OK = "ok";
    public static final String FAILED = "failed";
    public static final String SKIPPED = "skipped";

    public boolean ok() {
        return OK.equals(status);
    }

    public double seconds() {
        return elapsedNanos / 1e9;
    }

    /** Nanoseconds per operation, the basis of relative time (NaN when not ok). */
    public double nanosPerOperation() {
        return ok() && operations > 0 ? (double) elapsedNanos / operations : Double.NaN;
    }

    public static RunRecord failed(String workload, String peer, String message) {
        return new RunRecord(workload, peer, FAILED, message, 0, 0, -1, -1, -1, -1, -1, "");
    }

    public static RunRecord skipped(String workload, String peer, String message) {
        return new RunRecord(workload, peer, SKIPPED, message, 0, 0, -1, -1, -1, -1, -1, "");
    }
}
