package dev.nalloc.core.jfr;

import dev.nalloc.core.stats.StatsSnapshot;

/** An allocator instance whose statistics the periodic JFR event reports. */
public interface StatsSource {

    /** The instance's name. */
    String statsName();

    /** A snapshot, or null when the instance is closed. */
    StatsSnapshot statsForEvent();
}
