package dev.nalloc.bench.runner;

import dev.nalloc.bench.workload.WorkloadSettings;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ArgsTest {

    @Test
    void keyValuePairsWithOptionalDashes() {
        Args a = new Args("workloads=larson,mstress", "--scale=0.5", "", "larson.seconds=2", "larson.rounds=3");
        assertEquals("larson,mstress", a.get("workloads", "all"));
        assertEquals("0.5", a.get("scale", "1"));
        assertEquals("180", a.get("timeout", "180"));
        assertEquals(Map.of("seconds", "2", "rounds", "3"), a.withPrefix("larson."));
    }

    @Test
    void aBareWordIsRejectedWithItsText() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Args("larson"));
        assertEquals("expected key=value, got 'larson'", e.getMessage());
    }

    @Test
    void settingsRejectNonsense() {
        assertEquals("threads must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> new WorkloadSettings(0, 1, 1, Map.of())).getMessage());
        assertEquals("scale must be > 0, got -1.0", assertThrows(IllegalArgumentException.class,
                () -> new WorkloadSettings(1, -1, 1, Map.of())).getMessage());
    }

    @Test
    void settingsScaleCountsAndDurationsUnlessOverridden() {
        WorkloadSettings s = new WorkloadSettings(2, 0.5, 1, Map.of("rounds", "7"));
        assertEquals(50, s.scaledInt("iterations", 100));
        assertEquals(7, s.scaledInt("rounds", 100));
        assertEquals(1, new WorkloadSettings(2, 0.001, 1, Map.of()).scaledInt("x", 10));
        assertEquals(500_000_000L, s.scaledNanos("seconds", 1.0));
        assertEquals(20_000_000L, new WorkloadSettings(2, 0.001, 1, Map.of()).scaledNanos("seconds", 1.0));
        assertEquals(5, s.fixedInt("size", 5));
    }
}
