package dev.nalloc.stats;

import dev.nalloc.api.AllocatorStats;
import dev.nalloc.spi.StatsPrinter;

/** Prints {@link StatsTable}'s table for option {@code show_stats} (found by {@link java.util.ServiceLoader}). */
public final class TablePrinter implements StatsPrinter {

    /** The provider (public for {@link java.util.ServiceLoader}). */
    public TablePrinter() {
    }

    @Override
    public String render(String name, AllocatorStats stats) {
        return StatsTable.render(name, stats);
    }
}
