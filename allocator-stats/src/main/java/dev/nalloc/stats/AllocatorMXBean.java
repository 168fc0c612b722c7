package dev.nalloc.stats;

import java.util.Map;

/**
 * The management interface of one allocator instance, registered as
 * {@code dev.nalloc:type=Allocator,name=<name>} by {@link AllocatorMBeans}. Every read takes a fresh
 * snapshot; the figures are those of docs/statistics.md.
 */
public interface AllocatorMXBean {

    /** {@return the instance's name} */
    String getName();

    /** {@return the allocator's mode ({@code FAST}, {@code CHECKED} or {@code SECURE})} */
    String getMode();

    /** {@return bytes of address space reserved from the OS} */
    long getReserved();

    /** {@return bytes in use: made usable and not purged since} The figure to alert on; see docs/statistics.md. */
    long getCommitted();

    /** {@return bytes the OS was asked to commit and holds committed} It includes eager commitment never touched. */
    long getOsCommitted();

    /** {@return an estimate of the allocator's resident memory, -1 when the OS layer cannot tell} */
    long getResident();

    /** {@return bytes in live blocks} */
    long getAllocated();

    /** {@return the peak of the bytes in live blocks} */
    long getAllocatedPeak();

    /** {@return live blocks} */
    long getAllocationCount();

    /** {@return segments in use (count {@code segments})} */
    long getSegments();

    /** {@return pages in use (count {@code pages})} */
    long getPages();

    /** {@return arenas (count {@code arenas})} */
    long getArenas();

    /** {@return threads with thread data (count {@code threads})} */
    long getThreads();

    /** {@return the current value of every named count} */
    Map<String, Long> getCounts();

    /** {@return every named event counter} */
    Map<String, Long> getCounters();

    /** {@return the statistics JSON document (schema {@code nalloc-stats/1})} */
    String getStatsJson();

    /** {@return the human table of {@link StatsTable}} */
    String getStatsTable();

    /**
     * {@return the live blocks leak detection (option {@code leak_detection}) recorded, by
     * allocation site with their stacks; empty when leak detection is off or nothing recorded is live}
     */
    String getLeakReport();

    /**
     * Runs {@code Allocator.collect(force)} on the calling (JMX) thread: frees that thread's empty
     * pages and, with {@code force}, purges the instance's freed arena memory at once.
     *
     * @param force purge at once
     */
    void collect(boolean force);
}
