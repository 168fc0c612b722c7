package dev.nalloc.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;

/** Free memory was purged: decommitted, or reset (madvise) when decommit is off. */
@Name("dev.nalloc.Purge")
@Label("Purge")
@Category({"Nalloc", "Memory"})
@Description("Free memory was purged: decommitted, or reset (madvise) when decommit is off.")
final class PurgeEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;
    @Label("Address") @MemoryAddress
    long address;
    @Label("Size") @DataAmount
    long size;
    @Label("Decommit")
    boolean decommit;
}
