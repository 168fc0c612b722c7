package dev.nalloc.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** An arena was given back to the OS (the instance closed). */
@Name("dev.nalloc.ArenaReleased")
@Label("Arena Released")
@Category({"Nalloc", "Memory"})
@Description("An arena was given back to the OS (the instance closed).")
final class ArenaReleasedEvent extends MemoryRangeEvent {
}
