package dev.nalloc.api;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptionValuesTest {

    private static final Function<String, String> NOTHING = key -> null;

    private static Function<String, String> lookup(Map<String, String> map) {
        return map::get;
    }

    @Test
    void defaultsHoldEveryDefault() {
        OptionValues d = OptionValues.defaults();
        for (Option o : Option.values()) {
            assertEquals(o.defaultValue(), d.get(o), o.name());
            assertFalse(d.isExplicit(o));
        }
        assertEquals(d, OptionValues.from(NOTHING, NOTHING));
    }

    @Test
    void environmentVariablesAreRead() {
        OptionValues v = OptionValues.from(lookup(Map.of("NALLOC_PURGE_DELAY", "250", "NALLOC_VERBOSE", "yes",
                "NALLOC_ARENA_RESERVE", "256MiB", "NALLOC_MODE", "checked")), NOTHING);
        assertEquals(250, v.get(Option.PURGE_DELAY));
        assertTrue(v.isEnabled(Option.VERBOSE));
        assertEquals(256L << 20, v.get(Option.ARENA_RESERVE));
        assertEquals(Mode.CHECKED, v.mode());
        assertTrue(v.isExplicit(Option.PURGE_DELAY));
        assertFalse(v.isExplicit(Option.SHOW_STATS));
    }

    @Test
    void thePropertyWinsOverTheEnvironment() {
        OptionValues v = OptionValues.from(
                lookup(Map.of("NALLOC_PURGE_DELAY", "250", "NALLOC_MAX_ERRORS", "5")),
                lookup(Map.of("nalloc.purge_delay", "-1")));
        assertEquals(-1, v.get(Option.PURGE_DELAY));
        assertEquals(5, v.get(Option.MAX_ERRORS), "an environment-only option");
    }

    @Test
    void aMalformedValueIsWarnedAboutAndTheDefaultKept() {
        try (LogCapture log = LogCapture.of(OptionValues.class.getName())) {
            OptionValues v = OptionValues.from(lookup(Map.of("NALLOC_ARENA_RESERVE", "lots")), NOTHING);
            assertEquals(Option.ARENA_RESERVE.defaultValue(), v.get(Option.ARENA_RESERVE));
            assertFalse(v.isExplicit(Option.ARENA_RESERVE));
            assertEquals(List.of("nalloc: option arena_reserve (NALLOC_ARENA_RESERVE) has the malformed value 'lots'; "
                    + "expected a byte count, optionally with a unit: 64KiB, 32MiB, 1GiB (or K, M, G); keeping the default "
                    + (1L << 30)), log.messages());
            assertEquals(List.of("WARN"), log.levels());
        }
    }

    @Test
    void aMalformedPropertyNamesThePropertyAndDoesNotFallBackToTheEnvironment() {
        try (LogCapture log = LogCapture.of(OptionValues.class.getName())) {
            OptionValues v = OptionValues.from(lookup(Map.of("NALLOC_MODE", "secure")),
                    lookup(Map.of("nalloc.mode", "turbo")));
            assertEquals(Mode.FAST, v.mode());
            assertEquals(1, log.messages().size());
            String warning = log.messages().get(0);
            assertTrue(warning.contains("mode (nalloc.mode)"), warning);
            assertTrue(warning.contains("'turbo'"), warning);
            assertTrue(warning.contains("fast, checked or secure"), warning);
            assertTrue(warning.contains("keeping the default 0"), warning);
        }
    }

    @Test
    void everyMalformedOptionIsReportedSeparately() {
        try (LogCapture log = LogCapture.of(OptionValues.class.getName())) {
            OptionValues v = OptionValues.from(lookup(Map.of("NALLOC_VERBOSE", "perhaps", "NALLOC_PURGE_DELAY", "soon",
                    "NALLOC_MAX_ERRORS", "12")), NOTHING);
            assertEquals(2, log.messages().size(), log.messages().toString());
            assertEquals(12, v.get(Option.MAX_ERRORS));
            assertEquals(0, v.get(Option.VERBOSE));
            assertEquals(10, v.get(Option.PURGE_DELAY));
        }
    }

    @Test
    void fromEnvironmentReadsSystemProperties() {
        String key = Option.GENERIC_COLLECT.systemProperty();
        System.setProperty(key, "1234");
        try {
            assertEquals(1234, OptionValues.fromEnvironment().get(Option.GENERIC_COLLECT));
        } finally {
            System.clearProperty(key);
        }
        assertEquals(Option.GENERIC_COLLECT.defaultValue(), OptionValues.fromEnvironment().get(Option.GENERIC_COLLECT));
    }

    @Test
    void withReplacesValuesAndMarksThemExplicit() {
        OptionValues d = OptionValues.defaults();
        OptionValues w = d.with(Map.of(Option.PURGE_DELAY, 0L, Option.MODE, (long) Mode.SECURE.ordinal()));
        assertEquals(0, w.get(Option.PURGE_DELAY));
        assertTrue(w.isExplicit(Option.PURGE_DELAY));
        assertEquals(Mode.SECURE, w.mode());
        assertEquals(10, d.get(Option.PURGE_DELAY), "with() changed the original");
        assertNotEquals(d, w);
        assertEquals(w, d.with(Map.of(Option.PURGE_DELAY, 0L, Option.MODE, 2L)));
        assertEquals(w.hashCode(), d.with(Map.of(Option.PURGE_DELAY, 0L, Option.MODE, 2L)).hashCode());
    }

    @Test
    void anOutOfRangeModeOrdinalMeansFast() {
        assertEquals(Mode.FAST, OptionValues.defaults().with(Map.of(Option.MODE, 7L)).mode());
        assertEquals(Mode.FAST, OptionValues.defaults().with(Map.of(Option.MODE, -1L)).mode());
    }

    @Test
    void toStringListsEveryOption() {
        String s = OptionValues.defaults().toString();
        assertTrue(s.startsWith("OptionValues{show_errors=0, "), s);
        assertTrue(s.contains("purge_delay=10"), s);
        assertTrue(s.contains(", mode=0, ") || s.endsWith(", mode=0}"), s);
        assertTrue(s.endsWith("}"), s);
        for (Option o : Option.values()) {
            assertTrue(s.contains(o.optionName() + "=" + o.defaultValue()), s);
        }
    }
}
