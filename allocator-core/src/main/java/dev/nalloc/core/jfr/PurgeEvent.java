package dev.nalloc.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** Free memory was purged: decommitted, or reset (madvise) when decommit is off. */
@Name("dev.nalloc.Purge")
@Label("Purge")
@Category({"Nalloc", "Memory"})
@Description("Free memory was purged: decommitted, or reset (madvise) when decommit is off.")
final class PurgeEvent extends MemoryRangeEvent {
    @Label("Decommit")
    boolean decommit;
}
