package dev.nalloc.bench.runner;

import dev.nalloc.bench.report.HeadlineRow;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JmhHeadlineTest {

    @Test
    void parsesRecordedJmhJsonWithGcProfilerFigures() throws Exception {
        String json;
        try (InputStream in = getClass().getResourceAsStream("/jmh-headline-recorded.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<HeadlineRow> rows = JmhHeadline.parse(json);
        assertEquals(List.of("glibc", "mimalloc", "tcmalloc", "unsafe"), rows.stream().map(HeadlineRow::peer).toList());
        HeadlineRow glibc = rows.get(0);
        assertEquals("mallocFree64", glibc.benchmark());
        assertEquals(9.86, glibc.nanosPerOp(), 0.01);
        assertTrue(glibc.bytesPerOp() >= 0 && glibc.bytesPerOp() < 0.01, "B/op " + glibc.bytesPerOp());
    }

    @Test
    void javaVariantsWithoutAPeerParameterGetReadableNames() throws Exception {
        String json = "[{\"benchmark\":\"dev.nalloc.bench.jmh.HeadlineDirect.arenaConfined\",\"params\":{},"
                + "\"primaryMetric\":{\"score\":23.5,\"scoreError\":\"NaN\"},\"secondaryMetrics\":{}}]";
        HeadlineRow row = JmhHeadline.parse(json).get(0);
        assertEquals("Arena.ofConfined()", row.peer());
        assertEquals(23.5, row.nanosPerOp(), 1e-9);
        assertEquals(-1, row.bytesPerOp());
        assertTrue(Double.isNaN(row.error()));
    }

    @Test
    void theUserPathVariantsAreNamedForTheTargetsLine() throws Exception {
        String json = "[" + variant("nallocStaticFinal", 3.9) + "," + variant("nallocField", 4.9) + ","
                + variant("mimallocStatic", 10.0) + "]";
        List<HeadlineRow> rows = JmhHeadline.parse(json);
        assertEquals(List.of(HeadlineRow.NALLOC_STATIC, HeadlineRow.NALLOC_FIELD, HeadlineRow.MIMALLOC_STATIC),
                rows.stream().map(HeadlineRow::peer).toList());
    }

    private static String variant(String method, double score) {
        return "{\"benchmark\":\"dev.nalloc.bench.jmh.HeadlineDirect." + method + "\",\"params\":{},"
                + "\"primaryMetric\":{\"score\":" + score + ",\"scoreError\":0.1},\"secondaryMetrics\":{}}";
    }

    @Test
    void anotherJmhHoldingTheLockIsRecognised() {
        String locked = "ERROR: org.openjdk.jmh.runner.RunnerException: ERROR: Another JMH instance might be running. "
                + "Unable to acquire the JMH lock (/tmp/jmh.lock), exiting.";
        assertTrue(JmhHeadline.lockedOut(new ChildLauncher.Outcome(1, false, "", locked)));
        assertTrue(!JmhHeadline.lockedOut(new ChildLauncher.Outcome(0, false, "Benchmark result is saved", "")));
    }

    @Test
    void quickOptionsForkOnceWithTheChildFlagsAndTheGcProfiler() {
        List<String> o = JmhHeadline.quickOptions(Duration.ofMillis(250), 2);
        assertEquals(List.of("-f", "1", "-wi", "2", "-w", "250ms", "-i", "2", "-r", "250ms", "-prof", "gc",
                "-jvmArgsPrepend"), o.subList(0, 13));
        assertTrue(o.get(13).contains("--enable-native-access=ALL-UNNAMED"));
        assertTrue(o.get(13).contains("--sun-misc-unsafe-memory-access=allow"));
    }
}
