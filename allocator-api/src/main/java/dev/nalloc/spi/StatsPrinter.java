package dev.nalloc.spi;

import dev.nalloc.api.AllocatorStats;

/**
 * Renders statistics for people (option {@code show_stats} prints it when an instance closes and,
 * for instances still open, when the process exits). Found with {@link java.util.ServiceLoader};
 * {@code allocator-stats} provides the table of mimalloc's {@code mi_stats_print}. Without one the
 * engine prints the JSON document.
 */
public interface StatsPrinter {

    /**
     * Renders one snapshot.
     *
     * @param name  the allocator's name (option {@code name} or builder), or a generated one
     * @param stats the snapshot to render
     * @return the text, lines separated by {@code \n}
     */
    String render(String name, AllocatorStats stats);
}
