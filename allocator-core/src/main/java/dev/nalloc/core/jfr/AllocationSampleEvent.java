package dev.nalloc.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.Throttle;

/**
 * Leak detection recorded an allocation (every one with {@code leak_detection=all}, one in
 * {@code leak_sample_rate} with {@code sampled}). Its stack trace is the allocating code's, so JDK
 * Mission Control shows where native memory is allocated. Throttled to 300 events a second by
 * default (as the JDK's own allocation samples); a recording may set {@code throttle} to
 * {@code off} for every one.
 */
@Name("dev.nalloc.AllocationSample")
@Label("Native Allocation Sample")
@Category({"Nalloc", "Leak Detection"})
@Description("An allocation recorded by leak detection, with its stack trace.")
@Throttle("300/s")
final class AllocationSampleEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;
    @Label("Address") @MemoryAddress
    long address;
    @Label("Size") @DataAmount
    long size;
}
