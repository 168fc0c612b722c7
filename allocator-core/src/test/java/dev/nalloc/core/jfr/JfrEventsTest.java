package dev.nalloc.core.jfr;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Option;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.spi.ErrorHandler;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JFR events are recorded and read back with {@code jdk.jfr.consumer}. */
class JfrEventsTest {

    private static final List<String> EVENTS = List.of("dev.nalloc.SegmentAllocated", "dev.nalloc.SegmentFreed",
            "dev.nalloc.ArenaReserved", "dev.nalloc.ArenaReleased", "dev.nalloc.Purge", "dev.nalloc.OutOfMemory",
            "dev.nalloc.Misuse", "dev.nalloc.Statistics");

    @Test
    void everyEventIsRecordedWithItsFields(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("nalloc.jfr");
        java.time.Instant quietFrom;
        java.time.Instant quietUntil;
        dev.nalloc.core.jfr.JfrEvents.setStatisticsPeriod(Duration.ofMillis(50));
        try (Recording r = new Recording()) {
            for (String e : EVENTS) {
                r.enable(e);
            }
            r.start();
            ErrorHandler.Capturing h = ErrorHandler.capturing();
            try (Allocator a = TestAllocators.builder().name("jfr-test").errorHandler(h)
                    .option(Option.PURGE_DELAY, 0).build()) {
                long huge = a.malloc(80L << 20);
                long small = a.malloc(100);
                a.free(huge);
                a.free(small + 8); // unaligned free: misuse
                a.malloc(Long.MAX_VALUE / 2); // too large: out of memory
                long[] p = new long[40];
                for (int i = 0; i < p.length; i++) {
                    p[i] = a.malloc(200_000);
                }
                for (long x : p) {
                    a.free(x);
                }
                a.free(small);
                a.collect(true);
                quietFrom = java.time.Instant.now().plusMillis(20);
                Thread.sleep(1000); // periodic statistics
                quietUntil = java.time.Instant.now().minusMillis(20);
            }
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("dev.nalloc."))
                .filter(e -> "jfr-test".equals(e.getString("allocator")))
                .toList();
        Map<String, List<RecordedEvent>> byName = events.stream()
                .collect(Collectors.groupingBy(e -> e.getEventType().getName()));
        for (String e : EVENTS) {
            assertTrue(byName.containsKey(e), e + " recorded; got " + byName.keySet());
        }
        RecordedEvent huge = byName.get("dev.nalloc.SegmentAllocated").stream()
                .filter(e -> e.getBoolean("huge")).findFirst().orElseThrow();
        assertTrue(huge.getLong("size") >= 80L << 20);
        assertTrue(huge.getLong("address") != 0);
        assertTrue(byName.get("dev.nalloc.SegmentFreed").stream().anyMatch(e -> e.getBoolean("huge")));
        assertEquals("UNALIGNED_FREE", byName.get("dev.nalloc.Misuse").get(0).getString("kind"));
        assertTrue(byName.get("dev.nalloc.Misuse").get(0).getString("message").startsWith("nalloc: unaligned free"));
        assertTrue(byName.get("dev.nalloc.OutOfMemory").get(0).getString("message").startsWith("nalloc: out of memory"));
        assertTrue(byName.get("dev.nalloc.Purge").stream().allMatch(e -> e.getLong("size") > 0));
        // One taken while the test slept after freeing everything (not one taken after close, and the
        // window leaves room for clock skew between JFR's ticks and Instant.now()).
        java.time.Instant from = quietFrom;
        java.time.Instant until = quietUntil;
        RecordedEvent stat = byName.get("dev.nalloc.Statistics").stream()
                .filter(e -> e.getStartTime().isAfter(from) && e.getStartTime().isBefore(until))
                .max(java.util.Comparator.comparing(RecordedEvent::getStartTime))
                .orElseThrow(() -> new AssertionError("no statistics event while the test slept"));
        assertTrue(stat.getLong("reserved") > 0);
        assertEquals(1, stat.getLong("arenas"));
        assertEquals(0, stat.getLong("allocationCount"), "taken while sleeping, after everything was freed");
        assertTrue(stat.getLong("mmapCalls") >= 2, "the arena and the huge block's segment");
        assertEquals(256L << 20, byName.get("dev.nalloc.ArenaReserved").get(0).getLong("size"));
    }
}
