package dev.nalloc.core.jfr;

import dev.nalloc.api.AllocatorStats;

/** An allocator instance whose statistics the periodic JFR event reports. */
public interface StatsSource {

    /** The instance's name. */
    String statsName();

    /** A snapshot, or null when the instance is closed. */
    AllocatorStats statsForEvent();
}
