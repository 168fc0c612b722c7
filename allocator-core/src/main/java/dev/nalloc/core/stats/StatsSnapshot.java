package dev.nalloc.core.stats;

import dev.nalloc.api.AllocatorStats;
import dev.nalloc.spi.OsPrimitives;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of one allocator instance's statistics: the figures of {@link AllocatorStats}, the named
 * counts and counters, the size classes and (read on first use) the process. What each number
 * means and when it moves is in docs/statistics.md; {@link #toJson()} writes the document of
 * {@code allocator-stats}' schema {@code nalloc-stats-1.schema.json}.
 */
public final class StatsSnapshot implements AllocatorStats {

    /** The value of the JSON document's {@code schema} field. */
    static final String SCHEMA = "nalloc-stats/1";

    private final String name;
    private final long allocated;
    private final long allocatedPeak;
    private final long allocationCount;
    private final Map<String, Count> counts;
    private final Map<String, Long> counters;
    private final List<Bin> bins;
    private final OsPrimitives os;
    private OsPrimitives.ProcessInfo process;
    private final java.util.function.LongSupplier residentSource;
    private long resident = Long.MIN_VALUE;

    /**
     * @param counts   named counts in their stable order (must hold reserved, committed, segments,
     *                 huge_segments and pages)
     * @param counters named counters in their stable order
     * @param os       where process information is read on first use, or null
     */
    StatsSnapshot(String name, long allocated, long allocatedPeak, long allocationCount,
                  Map<String, Count> counts, Map<String, Long> counters, List<Bin> bins, OsPrimitives os) {
        this(name, allocated, allocatedPeak, allocationCount, counts, counters, bins, os, () -> -1);
    }

    /**
     * @param resident computes the resident estimate on first use ({@link #resident()}), -1 when unknown
     */
    public StatsSnapshot(String name, long allocated, long allocatedPeak, long allocationCount,
                         Map<String, Count> counts, Map<String, Long> counters, List<Bin> bins, OsPrimitives os,
                         java.util.function.LongSupplier resident) {
        this.residentSource = resident;
        this.name = name;
        this.allocated = allocated;
        this.allocatedPeak = allocatedPeak;
        this.allocationCount = allocationCount;
        this.counts = Collections.unmodifiableMap(counts);
        this.counters = Collections.unmodifiableMap(counters);
        this.bins = List.copyOf(bins);
        this.os = os;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long reserved() {
        return count("reserved").current();
    }

    @Override
    public long committed() {
        return count("committed").current();
    }

    @Override
    public long osCommitted() {
        return count("os_committed").current();
    }

    @Override
    public synchronized long resident() {
        if (resident == Long.MIN_VALUE) {
            long r;
            try {
                r = residentSource.getAsLong();
            } catch (RuntimeException e) {
                r = -1; // an OS layer that cannot tell
            }
            resident = r;
        }
        return resident;
    }

    @Override
    public long allocated() {
        return allocated;
    }

    @Override
    public long allocatedPeak() {
        return allocatedPeak;
    }

    @Override
    public long allocationCount() {
        return allocationCount;
    }

    /** Segments mapped now (huge ones included). */
    long segments() {
        return count("segments").current();
    }

    /** Huge segments mapped now. */
    long hugeSegments() {
        return count("huge_segments").current();
    }

    /** Pages held by heaps now. */
    long pages() {
        return count("pages").current();
    }

    /** Peak of {@link #reserved()}. */
    long reservedPeak() {
        return count("reserved").peak();
    }

    /** Peak of {@link #committed()}. */
    long committedPeak() {
        return count("committed").peak();
    }

    /** Peak of {@link #osCommitted()}. */
    long osCommittedPeak() {
        return count("os_committed").peak();
    }

    /** Arenas now. */
    long arenas() {
        return count("arenas").current();
    }

    /** Threads that use the instance now. */
    long threads() {
        return count("threads").current();
    }

    /** Calls of the generic allocation path, in total. */
    long genericCalls() {
        return counter("generic_calls");
    }

    /** Reservations asked of the OS (mmap calls), in total. */
    long osAllocations() {
        return counter("mmap_calls");
    }

    /** A named count, or {@link Count#ZERO} when there is none of that name. */
    Count count(String key) {
        return counts.getOrDefault(key, Count.ZERO);
    }

    /** A named counter, or 0. */
    long counter(String key) {
        return counters.getOrDefault(key, 0L);
    }

    @Override
    public Map<String, Count> counts() {
        return counts;
    }

    @Override
    public Map<String, Long> counters() {
        return counters;
    }

    @Override
    public List<Bin> bins() {
        return bins;
    }

    @Override
    public synchronized OsPrimitives.ProcessInfo process() {
        if (process == null && os != null) {
            try {
                process = os.processInfo();
            } catch (RuntimeException e) {
                return null; // an OS layer without process information
            }
        }
        return process;
    }

    @Override
    public String toJson() {
        return StatsJsonWriter.write(this);
    }

    @Override
    public String toString() {
        return "StatsSnapshot[" + name + ": reserved=" + reserved() + ", committed=" + committed()
                + ", osCommitted=" + osCommitted()
                + ", allocated=" + allocated + ", blocks=" + allocationCount + "]";
    }
}
