package dev.nalloc.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A segment was mapped for an allocator instance (from an arena or directly from the OS). */
@Name("dev.nalloc.SegmentAllocated")
@Label("Segment Allocated")
@Category({"Nalloc", "Memory"})
@Description("A segment was mapped for an allocator instance (from an arena or directly from the OS).")
final class SegmentAllocatedEvent extends MemoryRangeEvent {
    @Label("Huge")
    boolean huge;
    @Label("From Arena")
    boolean fromArena;
}
