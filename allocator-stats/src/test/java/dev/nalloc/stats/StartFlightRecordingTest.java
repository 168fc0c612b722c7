package dev.nalloc.stats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's JFR events land in a recording started with {@code -XX:StartFlightRecording} (child
 * JVM; the recording is read with the JDK's {@code jfr summary}). The fields are checked in-process by
 * the engine's JfrEventsTest.
 */
class StartFlightRecordingTest {

    @Test
    void eventsAreRecordedFromTheCommandLine(@TempDir Path dir) throws Exception {
        Path recording = dir.resolve("child.jfr");
        String out = ChildJvm.run(JfrChildMain.class, true, Duration.ofSeconds(120), "-XX:StartFlightRecording:filename=" + recording);
        assertTrue(out.contains("child done"), out);
        assertTrue(Files.size(recording) > 0);

        Path jfr = ChildJvm.JAVA.resolveSibling("jfr");
        Process summary = new ProcessBuilder(jfr.toString(), "summary", recording.toString()).redirectErrorStream(true).start();
        String text = new String(summary.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(summary.waitFor(60, TimeUnit.SECONDS));
        for (String event : List.of("dev.nalloc.SegmentAllocated", "dev.nalloc.SegmentFreed", "dev.nalloc.ArenaReserved",
                "dev.nalloc.ArenaReleased", "dev.nalloc.Purge", "dev.nalloc.Misuse", "dev.nalloc.Statistics")) {
            Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(event) + "\\s+(\\d+)").matcher(text);
            assertTrue(m.find() && Long.parseLong(m.group(1)) > 0, event + " in\n" + text);
        }
        Matcher stats = Pattern.compile("(?m)^\\s*dev\\.nalloc\\.Statistics\\s+(\\d+)").matcher(text);
        assertTrue(stats.find() && Long.parseLong(stats.group(1)) >= 2, "about one per second:\n" + text);
    }
}
