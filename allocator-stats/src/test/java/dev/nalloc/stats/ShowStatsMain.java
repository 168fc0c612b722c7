package dev.nalloc.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.LeakDetection;
import dev.nalloc.api.Option;
import dev.nalloc.spi.OsPrimitives;

/** A child process for {@link ShowStatsAtExitTest}: one instance closed, one left open until exit. */
public final class ShowStatsMain {

    private ShowStatsMain() {
    }

    public static void main(String[] args) {
        try (Allocator closed = Allocator.builder().os(OsPrimitives.best()).readEnvironment(false).name("closed-one")
                .option(Option.SHOW_STATS, 1).build()) {
            closed.free(closed.malloc(100));
        }
        Allocator open = Allocator.builder().os(OsPrimitives.best()).readEnvironment(false).name("open-one")
                .option(Option.SHOW_STATS, 1).build();
        for (int i = 0; i < 42; i++) {
            open.malloc(64); // left live on purpose: the table at exit shows them
        }
        Allocator leaky = Allocator.builder().os(OsPrimitives.best()).readEnvironment(false).name("leaky-one")
                .option(Option.SHOW_STATS, 1).option(Option.LEAK_DETECTION, LeakDetection.ALL.ordinal()).build();
        leakAtExit(leaky);
        Allocator quiet = Allocator.builder().os(OsPrimitives.best()).readEnvironment(false).name("quiet-one").build();
        quiet.free(quiet.malloc(10));
        System.out.println("main done");
    }

    /** Five blocks still live at exit: leak detection names this method after the statistics. */
    private static void leakAtExit(Allocator a) {
        for (int i = 0; i < 5; i++) {
            a.malloc(300);
        }
        a.free(a.malloc(20)); // freed: not in the report
    }
}
