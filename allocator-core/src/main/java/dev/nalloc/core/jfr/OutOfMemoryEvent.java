package dev.nalloc.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** An allocation could not be satisfied; it returned 0 (or threw, for the segment allocator). */
@Name("dev.nalloc.OutOfMemory")
@Label("Out Of Memory")
@Category({"Nalloc", "Errors"})
@Description("An allocation could not be satisfied; it returned 0 (or threw, for the segment allocator).")
final class OutOfMemoryEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;
    @Label("Message")
    String message;
}
