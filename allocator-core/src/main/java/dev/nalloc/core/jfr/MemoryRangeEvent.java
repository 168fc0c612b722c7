package dev.nalloc.core.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;

/**
 * The fields every event about a range of memory has: which allocator instance, where, how much.
 * Abstract, so JFR registers only the concrete events, each with these fields.
 */
abstract class MemoryRangeEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;
    @Label("Address") @MemoryAddress
    long address;
    @Label("Size") @DataAmount
    long size;

    /** Sets the common fields (call after {@code shouldCommit()}). */
    final void range(String allocator, long address, long size) {
        this.allocator = allocator;
        this.address = address;
        this.size = size;
    }
}
