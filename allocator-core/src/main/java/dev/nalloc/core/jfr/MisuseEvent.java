package dev.nalloc.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;

/** The allocator detected misuse or corruption (invalid, double or unaligned free, overflow, corrupt free list). */
@Name("dev.nalloc.Misuse")
@Label("Misuse Detected")
@Category({"Nalloc", "Errors"})
@Description("The allocator detected misuse or corruption (invalid, double or unaligned free, overflow, corrupt free list).")
final class MisuseEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;
    @Label("Kind")
    String kind;
    @Label("Address") @MemoryAddress
    long address;
    @Label("Message")
    String message;
}
