package dev.nalloc.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OptionTest {

    @ParameterizedTest
    @ValueSource(strings = {"1", "true", "TRUE", "on", "On", "yes", "enable", "enabled", " true "})
    void booleansParseAsOne(String text) {
        assertEquals(1, Option.VERBOSE.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "false", "off", "OFF", "no", "disable", "disabled"})
    void booleansParseAsZero(String text) {
        assertEquals(0, Option.VERBOSE.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2", "maybe", "tru", "-1"})
    void malformedBooleansAreRefused(String text) {
        assertEquals("not a boolean", assertThrows(IllegalArgumentException.class, () -> Option.SHOW_ERRORS.parse(text)).getMessage());
    }

    @Test
    void numbersParse() {
        assertEquals(42, Option.MAX_ERRORS.parse("42"));
        assertEquals(-1, Option.RESERVE_HUGE_OS_PAGES_AT.parse("-1"));
        assertEquals(7, Option.GENERIC_COLLECT.parse(" 7 "));
        assertThrows(IllegalArgumentException.class, () -> Option.MAX_ERRORS.parse("4x"));
        assertThrows(IllegalArgumentException.class, () -> Option.MAX_ERRORS.parse("1.5"));
        assertThrows(IllegalArgumentException.class, () -> Option.MAX_ERRORS.parse("99999999999999999999"));
    }

    @Test
    void millisecondsParse() {
        assertEquals(-1, Option.PURGE_DELAY.parse("-1"));
        assertEquals(250, Option.PURGE_DELAY.parse("250"));
        assertEquals(0, Option.RETRY_ON_OOM.parse("0"));
        assertThrows(IllegalArgumentException.class, () -> Option.PURGE_DELAY.parse("10ms"));
    }

    @ParameterizedTest
    @CsvSource({
            "512, 512",
            "512b, 512",
            "64KiB, 65536",
            "64kib, 65536",
            "64K, 65536",
            "64k, 65536",
            "64KB, 65536",
            "32MiB, 33554432",
            "32M, 33554432",
            "32MB, 33554432",
            "1GiB, 1073741824",
            "1G, 1073741824",
            "2GB, 2147483648",
            "1TiB, 1099511627776",
            "'1 MiB', 1048576",
            "' 4 K ', 4096",
            "0, 0"})
    void sizesParseWithUnits(String text, long bytes) {
        assertEquals(bytes, Option.ARENA_RESERVE.parse(text));
    }

    @Test
    void malformedSizesAreRefused() {
        assertEquals("negative size", assertThrows(IllegalArgumentException.class, () -> Option.ARENA_RESERVE.parse("-1K")).getMessage());
        assertEquals("size too large", assertThrows(IllegalArgumentException.class, () -> Option.ARENA_RESERVE.parse("9999999999G")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Option.ARENA_RESERVE.parse("MiB"));
        assertThrows(IllegalArgumentException.class, () -> Option.ARENA_RESERVE.parse("12 parsecs"));
        assertThrows(IllegalArgumentException.class, () -> Option.ARENA_RESERVE.parse("1.5G"));
    }

    @Test
    void modesParseToOrdinals() {
        assertEquals(0, Option.MODE.parse("fast"));
        assertEquals(1, Option.MODE.parse("CHECKED"));
        assertEquals(2, Option.MODE.parse(" Secure "));
        assertEquals("unknown mode 'paranoid' (expected fast, checked or secure)",
                assertThrows(IllegalArgumentException.class, () -> Option.MODE.parse("paranoid")).getMessage());
    }

    @Test
    void leakDetectionLevelsParseToOrdinals() {
        assertEquals(0, Option.LEAK_DETECTION.parse("off"));
        assertEquals(1, Option.LEAK_DETECTION.parse("Sampled"));
        assertEquals(2, Option.LEAK_DETECTION.parse(" ALL "));
        assertEquals(LeakDetection.OFF, LeakDetection.of(Option.LEAK_DETECTION.defaultValue()));
        assertEquals(LeakDetection.SAMPLED, LeakDetection.of(1));
        assertEquals(LeakDetection.OFF, LeakDetection.of(7));
        assertEquals("off, sampled or all", Option.LEAK_DETECTION.acceptedForm());
        assertEquals("unknown leak detection level 'some' (expected off, sampled or all)",
                assertThrows(IllegalArgumentException.class, () -> Option.LEAK_DETECTION.parse("some")).getMessage());
        assertEquals(1, Option.JMX.defaultValue(), "JMX registration is on by default");
    }

    @ParameterizedTest
    @EnumSource(Option.class)
    void emptyValuesAreRefused(Option option) {
        assertEquals("empty value", assertThrows(IllegalArgumentException.class, () -> option.parse("  ")).getMessage());
    }

    @ParameterizedTest
    @EnumSource(Option.class)
    void namesFollowTheConvention(Option option) {
        String lower = option.name().toLowerCase(java.util.Locale.ROOT);
        assertEquals(lower, option.optionName());
        assertEquals("NALLOC_" + option.name(), option.environmentVariable());
        assertEquals("nalloc." + lower, option.systemProperty());
        assertFalse(option.acceptedForm().isBlank());
    }

    @ParameterizedTest
    @EnumSource(Option.class)
    void defaultsParseBackToThemselves(Option option) {
        String text = switch (option.kind()) {
            case MODE -> Mode.values()[(int) option.defaultValue()].name();
            case LEVEL -> LeakDetection.values()[(int) option.defaultValue()].name();
            default -> Long.toString(option.defaultValue());
        };
        assertEquals(option.defaultValue(), option.parse(text));
    }

    @Test
    void kindsAndDefaultsOfSomeOptions() {
        assertEquals(Option.Kind.SIZE, Option.ARENA_RESERVE.kind());
        assertEquals(1L << 30, Option.ARENA_RESERVE.defaultValue());
        assertEquals(Option.Kind.MILLIS, Option.PURGE_DELAY.kind());
        assertEquals(10, Option.PURGE_DELAY.defaultValue());
        assertEquals(Option.Kind.BOOLEAN, Option.PURGE_DECOMMITS.kind());
        assertEquals(1, Option.PURGE_DECOMMITS.defaultValue());
        assertEquals(Option.Kind.MODE, Option.MODE.kind());
        assertEquals("fast, checked or secure", Option.MODE.acceptedForm());
        assertEquals("true/false, on/off, yes/no or 1/0", Option.VERBOSE.acceptedForm());
    }
}
