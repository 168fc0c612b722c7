package dev.nalloc.core.jfr;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.LeakDetection;
import dev.nalloc.api.Option;
import dev.nalloc.core.TestAllocators;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sampled-allocation JFR event carries the allocating stack; read back with {@code jdk.jfr.consumer}. */
class AllocationSampleEventTest {

    /** The allocation site the events must name. */
    private static long[] allocateInAKnownMethod(Allocator a) {
        long[] p = new long[5];
        for (int i = 0; i < p.length; i++) {
            p[i] = a.malloc(777);
        }
        return p;
    }

    @Test
    void recordedAllocationsAreEventsWithTheirStack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("samples.jfr");
        long[] p;
        try (Recording r = new Recording()) {
            r.enable("dev.nalloc.AllocationSample").with("throttle", "off").withStackTrace();
            r.start();
            try (Allocator a = TestAllocators.builder().name("jfr-samples")
                    .option(Option.LEAK_DETECTION, LeakDetection.ALL.ordinal()).build()) {
                p = allocateInAKnownMethod(a);
                for (long x : p) {
                    a.free(x);
                }
            }
            try (Allocator off = TestAllocators.builder().name("jfr-no-samples").build()) {
                off.free(allocateInAKnownMethod(off)[0]); // no leak detection: no events
            }
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("dev.nalloc.AllocationSample")).toList();
        assertFalse(events.stream().anyMatch(e -> "jfr-no-samples".equals(e.getString("allocator"))));
        List<RecordedEvent> mine = events.stream().filter(e -> "jfr-samples".equals(e.getString("allocator"))).toList();
        assertEquals(5, mine.size(), "one event per recorded allocation");
        for (int i = 0; i < p.length; i++) {
            RecordedEvent e = mine.get(i);
            assertEquals(p[i], e.getLong("address"));
            assertEquals(777, e.getLong("size"));
            assertNotNull(e.getStackTrace(), "the event has a stack trace");
            List<String> methods = e.getStackTrace().getFrames().stream().map(RecordedFrame::getMethod)
                    .map(m -> m.getType().getName() + "." + m.getName()).toList();
            assertTrue(methods.contains(AllocationSampleEventTest.class.getName() + ".allocateInAKnownMethod"), methods.toString());
        }
    }
}
