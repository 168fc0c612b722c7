package dev.nalloc.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;

/** An arena was reserved from the OS. */
@Name("dev.nalloc.ArenaReserved")
@Label("Arena Reserved")
@Category({"Nalloc", "Memory"})
@Description("An arena was reserved from the OS.")
final class ArenaReservedEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;
    @Label("Address") @MemoryAddress
    long address;
    @Label("Size") @DataAmount
    long size;
    @Label("Committed")
    boolean committed;
}
