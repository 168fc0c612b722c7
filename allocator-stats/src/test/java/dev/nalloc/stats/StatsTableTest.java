package dev.nalloc.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.spi.StatsPrinter;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsTableTest {

    private record Snapshot(long reserved, long committed, long allocated, long allocatedPeak,
                            long allocationCount) implements AllocatorStats {
        @Override
        public String toJson() {
            return "{}";
        }
    }

    @Test
    void bytesUseBinaryUnitsWithOneDecimal() {
        assertEquals("0 B", HumanUnits.bytes(0));
        assertEquals("1023 B", HumanUnits.bytes(1023));
        assertEquals("1.0 KiB", HumanUnits.bytes(1024));
        assertEquals("1.5 MiB", HumanUnits.bytes(3L << 19));
        assertEquals("1.0 GiB", HumanUnits.bytes(1L << 30));
        assertEquals("-2.0 KiB", HumanUnits.bytes(-2048));
        assertEquals("8.0 EiB", HumanUnits.bytes(Long.MAX_VALUE));
    }

    @Test
    void countsUseDecimalUnits() {
        assertEquals("999", HumanUnits.count(999));
        assertEquals("1.0 k", HumanUnits.count(1000));
        assertEquals("1.2 M", HumanUnits.count(1_234_567));
        assertEquals("-5.0 G", HumanUnits.count(-5_000_000_000L));
    }

    @Test
    void aSnapshotWithOnlyTheContractFiguresStillMakesATable() {
        String table = StatsTable.render(new Snapshot(1L << 30, 64L << 20, 1536, 4096, 12));
        assertEquals("""
                                peak  total  freed   current
                reserved:    1.0 GiB    0 B    0 B   1.0 GiB
                committed:  64.0 MiB    0 B    0 B  64.0 MiB
                allocated:   4.0 KiB    0 B    0 B   1.5 KiB
                blocks:           12      0      0        12
                """, table);
    }

    @Test
    void theTableOfARealInstanceHasEverySection() {
        try (Allocator a = TestAllocators.builder("table-test").build()) {
            long[] p = new long[100];
            for (int i = 0; i < p.length; i++) {
                p[i] = a.malloc(48);
            }
            long huge = a.malloc(40L << 20);
            String table = StatsTable.render("table-test", a.stats());
            List<String> lines = table.lines().toList();
            assertEquals("nalloc statistics: table-test", lines.get(0));
            assertTrue(lines.get(1).trim().startsWith("peak") && lines.get(1).endsWith("current"), lines.get(1));
            for (String row : List.of("reserved:", "committed:", "allocated:", "blocks:", "normal:", "huge count:",
                    "pages:", "segments:", "arenas:", "threads:")) {
                assertTrue(lines.stream().anyMatch(l -> l.startsWith(row)), row + " in\n" + table);
            }
            assertTrue(lines.contains("counters:"), table);
            assertTrue(lines.stream().anyMatch(l -> l.matches("  mmap calls: +\\d+")), table);
            assertTrue(lines.contains("size classes (blocks):"), table);
            assertTrue(lines.stream().anyMatch(l -> l.matches("  \\d+ +48 B +100 +100 +0 +100 +4\\.7 KiB +1")), table);
            assertTrue(lines.contains("process:"), table);
            assertTrue(lines.stream().anyMatch(l -> l.matches("  elapsed: +\\d+\\.\\d{3} s")), table);
            // Columns are aligned: every count row ends at the same column as the header.
            int width = lines.get(1).length();
            lines.stream().skip(2).takeWhile(l -> !l.equals("counters:"))
                    .forEach(l -> assertEquals(width, l.length(), "aligned: '" + l + "'"));
            a.free(huge);
            for (long x : p) {
                a.free(x);
            }
        }
    }

    @Test
    void theShowStatsPrinterIsProvidedOnBothPaths() throws Exception {
        // Module path: the descriptor provides it (the engine's ServiceLoader finds it; the child JVM
        // of ShowStatsAtExitTest shows the class path, where META-INF/services names it).
        Module m = TablePrinter.class.getModule();
        if (m.isNamed()) {
            assertTrue(m.getDescriptor().provides().stream().anyMatch(p -> p.service().equals(StatsPrinter.class.getName())
                    && p.providers().equals(List.of(TablePrinter.class.getName()))), m.getDescriptor().toString());
        }
        try (var in = TablePrinter.class.getResourceAsStream("/META-INF/services/" + StatsPrinter.class.getName())) {
            assertTrue(in != null && new String(in.readAllBytes()).trim().equals(TablePrinter.class.getName()));
        }
        StatsPrinter printer = new TablePrinter();
        assertTrue(printer.render("x", new Snapshot(0, 0, 0, 0, 0)).startsWith("nalloc statistics: x\n"));
    }
}
