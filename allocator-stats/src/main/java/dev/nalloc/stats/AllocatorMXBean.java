package dev.nalloc.stats;

import java.util.Map;

/**
 * The management interface of one allocator instance, registered as
 * {@code dev.nalloc:type=Allocator,name=<name>} by {@link AllocatorMBeans}. Every read takes a fresh
 * snapshot; the figures are those of docs/statistics.md.
 */
public interface AllocatorMXBean {

    /** The instance's name. */
    String getName();

    /** The allocator's mode ({@code FAST}, {@code CHECKED} or {@code SECURE}). */
    String getMode();

    long getReserved();

    /** Bytes in use: made usable and not purged since (the figure to alert on; see docs/statistics.md). */
    long getCommitted();

    /** Bytes the OS was asked to commit and holds committed (includes eager commitment never touched). */
    long getOsCommitted();

    /** Estimate of the allocator's resident memory, -1 when the OS layer cannot tell. */
    long getResident();

    /** Bytes in live blocks. */
    long getAllocated();

    long getAllocatedPeak();

    /** Live blocks. */
    long getAllocationCount();

    long getSegments();

    long getPages();

    long getArenas();

    long getThreads();

    /** The current value of every named count. */
    Map<String, Long> getCounts();

    /** Every named event counter. */
    Map<String, Long> getCounters();

    /** The statistics JSON document (schema {@code nalloc-stats/1}). */
    String getStatsJson();

    /** The human table of {@link StatsTable}. */
    String getStatsTable();

    /**
     * Runs {@code Allocator.collect(force)} on the calling (JMX) thread: frees that thread's empty
     * pages and, with {@code force}, purges the instance's freed arena memory at once.
     */
    void collect(boolean force);
}
