package dev.nalloc.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WritersTest {

    private final BenchReport report = RecordedData.report();

    private static String text(BenchReport report) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TextReport.write(report, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void textTablesShowMachineVersionsRelativeFiguresAndSkips() {
        String t = text(report);
        assertTrue(t.contains("Machine:  AMD EPYC, 2 cores, 24.0 GiB RAM; Linux 6.1 amd64; OpenJDK 64-Bit Server VM "
                + "25.0.3; 2026-11-21T05:00:00Z"), t);
        assertTrue(t.contains("glibc 2.36 — glibc malloc via FFM"), t);
        assertTrue(t.contains("  tcmalloc: skipped — its library is not installed"), t);
        assertTrue(t.contains("larson  (relative to nalloc = 1.00, higher is worse)"), t);
        assertTrue(t.lines().anyMatch(l -> l.matches("  glibc\\s+2\\.00\\s+1\\.50\\s+20\\.0\\s+0\\.010s.*")), t);
        assertTrue(t.lines().anyMatch(l -> l.matches(
                "  glibc .* 150\\.0 MiB\\s+90\\.0 MiB\\s+1\\.0 MiB\\s+5\\.0 MiB  1 thread hand-offs")), t);
        assertTrue(t.contains("heap held") && t.contains("heap peak"), t);
        assertTrue(t.contains("  jdk-arena         SKIPPED: jdk-arena cannot free blocks on other threads"), t);
        assertTrue(t.contains("mleak  (relative to glibc = 1.00, higher is worse; nalloc did not complete)"), t);
        assertTrue(t.contains("  nalloc            FAILED: memory corruption"), t);
    }

    @Test
    void headlineVerdictChecksTheThreeTargets() {
        assertEquals("targets: <= 5 ns/op: met (4.00); 0 B/op: met (0.00); >= 1.5x faster than mimalloc: met (2.50x)",
                TextReport.targets(report.headline()));
        List<HeadlineRow> slow = List.of(new HeadlineRow("nalloc", "m", 9.0, 0, 16),
                new HeadlineRow("mimalloc", "m", 10.0, 0, 0));
        assertEquals("targets: <= 5 ns/op: NOT met (9.00); 0 B/op: NOT met (16.00); >= 1.5x faster than mimalloc: "
                + "NOT met (1.11x)", TextReport.targets(slow));
        List<HeadlineRow> both = List.of(new HeadlineRow("nalloc", "m", 6.0, 0, 0),
                new HeadlineRow("mimalloc", "m", 12.0, 0, 0),
                new HeadlineRow(HeadlineRow.NALLOC_STATIC, "nallocStaticFinal", 4.0, 0, 0),
                new HeadlineRow(HeadlineRow.MIMALLOC_STATIC, "mimallocStatic", 10.0, 0, 0));
        assertEquals("targets: <= 5 ns/op: NOT met (6.00); 0 B/op: met (0.00); >= 1.5x faster than mimalloc: met "
                + "(2.00x); user's call path (static final Allocator): <= 5 ns/op: met (4.00); 0 B/op: met (0.00); "
                + ">= 1.5x faster than mimalloc: met (2.50x)", TextReport.targets(both));
        assertEquals("targets: no Nalloc result (engine not available)",
                TextReport.targets(List.of(new HeadlineRow("glibc", "m", 9.0, 0, 0))));
    }

    @Test
    void csvHasOneRowPerRunWithQuotedFields() {
        List<String> lines = CsvReport.workloads(report).lines().toList();
        assertEquals(CsvReport.HEADER, lines.get(0));
        assertEquals(7, lines.size());
        assertEquals("larson,glibc,ok,2.00000,1.50000,20.0000,0.0100000,500000,157286400,62914560,94371840,"
                + "1048576,5242880,1 thread hand-offs,", lines.get(2));
        assertEquals("mleak,nalloc,failed,,,,,0,-1,-1,-1,-1,-1,,\"memory corruption: block 0x10, \"\"bad\"\"\"",
                lines.get(4));
        List<String> headline = CsvReport.headline(report).lines().toList();
        assertEquals(CsvReport.HEADLINE_HEADER, headline.get(0));
        assertEquals("nalloc,mallocFree64,4.00000,0.100000,0.00000", headline.get(1));
    }

    @Test
    void jsonRoundTripsThroughAParser() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(JsonReport.render(report));
        assertEquals("AMD EPYC", doc.path("machine").path("cpuModel").asText());
        assertEquals(2, doc.path("machine").path("cores").asInt());
        assertEquals("nalloc", doc.path("baseline").asText());
        JsonNode larson = doc.path("workloads").get(0);
        assertEquals("larson", larson.path("workload").asText());
        assertEquals(2.0, larson.path("rows").get(1).path("relativeTime").asDouble(), 1e-9);
        assertEquals("glibc", larson.path("rows").get(1).path("run").path("peer").asText());
        assertEquals(1L << 20, larson.path("rows").get(1).path("run").path("heapHeldBytes").asLong());
        assertEquals(5L << 20, larson.path("rows").get(1).path("run").path("heapPeakBytes").asLong());
        assertTrue(larson.path("rows").get(2).path("relativeTime").isNull());
        assertEquals("glibc", doc.path("workloads").get(1).path("baseline").asText());
        assertEquals(4.0, doc.path("headline").get(0).path("nanosPerOp").asDouble(), 1e-9);
        assertEquals("glibc 2.36", doc.path("peers").get(1).path("version").asText());
    }

    @Test
    void markdownHasTheWorkloadRowsAndVersions() {
        String md = MarkdownReport.render(report);
        assertTrue(md.contains("| glibc | glibc 2.36 | glibc malloc via FFM |"), md);
        assertTrue(md.contains("| larson | glibc | 2.00 | 1.50 | 20.0 | 0.010 | 150.0 MiB | 90.0 MiB | 1.0 MiB | 5.0 MiB "
                + "| 1 thread hand-offs |"), md);
        assertTrue(md.contains("| mleak (vs glibc) | nalloc | failed | | | | | | | | memory corruption: block 0x10, \"bad\" |"),
                md);
        assertTrue(md.contains("| nalloc | 4.00 | 0.10 | 0.0 |"), md);
    }

    @Test
    void chartHasTimeAndMemoryBarsPerWorkloadAndRendersHeadlessToPng(@TempDir Path dir) throws Exception {
        var chart = ChartReport.chart(report);
        List<CategoryPlot> plots = ((CombinedDomainCategoryPlot) chart.getPlot()).getSubplots();
        assertEquals(2, plots.size());
        var time = plots.get(0).getDataset();
        assertEquals(2.0, time.getValue("glibc", "larson").doubleValue(), 1e-9);
        assertEquals(List.of("larson", "mleak"), time.getColumnKeys());
        assertEquals(1.5, plots.get(1).getDataset().getValue("glibc", "larson").doubleValue(), 1e-9);
        // one legend entry per allocator, same colour in both halves
        assertEquals(3, chart.getPlot().getLegendItems().getItemCount());
        for (CategoryPlot p : plots) {
            int row = p.getDataset().getRowIndex("glibc");
            assertEquals(ChartReport.colorOf(report.comparison(), "glibc"), p.getRenderer().getSeriesPaint(row));
        }

        Path png = dir.resolve("chart.png");
        ChartReport.write(report, png);
        byte[] bytes = Files.readAllBytes(png);
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4));
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(1000, image.getWidth());
        assertEquals(800, image.getHeight());
    }

    @Test
    void barsAreCutSoOneOutlierDoesNotFlattenTheChart() {
        BenchReport outlier = new BenchReport(RecordedData.MACHINE, "c", "s", List.of(), List.of(
                new RunRecord("w", "nalloc", RunRecord.OK, "", 100, 100, 10, -1, -1, -1, -1, ""),
                new RunRecord("w", "slow", RunRecord.OK, "", 100, 10_000, 10, -1, -1, -1, -1, "")), List.of());
        List<CategoryPlot> plots = ((CombinedDomainCategoryPlot) ChartReport.chart(outlier).getPlot()).getSubplots();
        var time = plots.get(0).getDataset();
        assertEquals(ChartReport.CUT, time.getValue("slow", "w").doubleValue(), 1e-9);
        var renderer = plots.get(0).getRenderer();
        int slow = time.getRowIndex("slow");
        assertEquals("100.0", renderer.getItemLabelGenerator(slow, 0).generateLabel(time, slow, 0));
        int nalloc = time.getRowIndex("nalloc");
        assertEquals(null, renderer.getItemLabelGenerator(nalloc, 0).generateLabel(time, nalloc, 0));
    }
}
