package dev.nalloc.stats;

import dev.nalloc.api.AllocatorStats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    void tableAlignsColumns() {
        String table = StatsTable.render(new Snapshot(1L << 30, 64L << 20, 1536, 4096, 12));
        assertEquals("""
                figure            amount       exact
                --------------  --------  ----------
                reserved         1.0 GiB  1073741824
                committed       64.0 MiB    67108864
                allocated        1.5 KiB        1536
                allocated peak   4.0 KiB        4096
                live blocks           12          12
                """, table);
    }
}
