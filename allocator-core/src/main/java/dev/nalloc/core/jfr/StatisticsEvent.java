package dev.nalloc.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** The statistics of one allocator instance, emitted every second while the event is enabled. */
@Name("dev.nalloc.Statistics")
@Label("Nalloc Statistics")
@Category({"Nalloc", "Statistics"})
@Description("A snapshot of one allocator instance's statistics, taken periodically.")
final class StatisticsEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;
    @Label("Reserved") @DataAmount
    long reserved;
    @Label("Committed") @DataAmount @Description("Bytes in use: made usable and not purged since")
    long committed;
    @Label("OS Committed") @DataAmount @Description("Bytes the OS was asked to commit and holds committed")
    long osCommitted;
    @Label("Resident") @DataAmount @Description("Estimate of the allocator's resident memory (-1: unknown)")
    long resident;
    @Label("Allocated") @DataAmount @Description("Bytes in live blocks")
    long allocated;
    @Label("Allocated Peak") @DataAmount
    long allocatedPeak;
    @Label("Live Blocks")
    long allocationCount;
    @Label("Segments")
    long segments;
    @Label("Pages")
    long pages;
    @Label("Arenas")
    long arenas;
    @Label("Threads")
    long threads;
    @Label("Generic Calls") @Description("Calls of the slow allocation path, in total")
    long genericCalls;
    @Label("Mmap Calls") @Description("Reservations asked of the OS, in total")
    long mmapCalls;
    @Label("Purged") @DataAmount @Description("Bytes purged, in total")
    long purged;
}
