package dev.nalloc.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A segment was given back (to its arena or to the OS). */
@Name("dev.nalloc.SegmentFreed")
@Label("Segment Freed")
@Category({"Nalloc", "Memory"})
@Description("A segment was given back (to its arena or to the OS).")
final class SegmentFreedEvent extends MemoryRangeEvent {
    @Label("Huge")
    boolean huge;
    @Label("To Arena")
    boolean toArena;
}
