package dev.nalloc.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Option;
import dev.nalloc.spi.OsPrimitives;

/** A child process for {@link StartFlightRecordingTest}: segments, an arena, a purge, a misuse, statistics. */
public final class JfrChildMain {

    private JfrChildMain() {
    }

    public static void main(String[] args) throws Exception {
        try (Allocator a = Allocator.builder().os(OsPrimitives.best()).readEnvironment(false).name("jfr-child")
                .option(Option.PURGE_DELAY, 0).errorHandler((kind, address, message) -> { }).build()) {
            long huge = a.malloc(40L << 20);
            long small = a.malloc(100);
            a.free(huge);
            a.free(small + 8); // misuse, ignored by the handler
            a.free(small);
            a.collect(true);
            Thread.sleep(2500); // the statistics event comes every second
        }
        System.out.println("child done");
    }
}
