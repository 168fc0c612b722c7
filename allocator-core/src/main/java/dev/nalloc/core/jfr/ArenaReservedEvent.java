package dev.nalloc.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** An arena was reserved from the OS. */
@Name("dev.nalloc.ArenaReserved")
@Label("Arena Reserved")
@Category({"Nalloc", "Memory"})
@Description("An arena was reserved from the OS.")
final class ArenaReservedEvent extends MemoryRangeEvent {
    @Label("Committed")
    boolean committed;
}
