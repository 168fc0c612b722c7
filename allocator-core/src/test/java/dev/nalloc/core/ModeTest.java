package dev.nalloc.core;

import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.api.OptionValues;
import dev.nalloc.spi.AllocatorConfig;
import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** CHECKED and SECURE are refused until they are implemented, however they are asked for. */
class ModeTest {

    private static void assertRefused(Mode mode, org.junit.jupiter.api.function.Executable build) {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, build);
        assertEquals("nalloc: mode " + mode + " is not implemented yet; use FAST", e.getMessage());
    }

    @Test
    void builderRefusesCheckedAndSecure() {
        assertRefused(Mode.SECURE, () -> TestAllocators.builder().mode(Mode.SECURE).build());
        assertRefused(Mode.CHECKED, () -> TestAllocators.builder().mode(Mode.CHECKED).build());
    }

    @Test
    void modeOptionIsRefusedToo() {
        assertRefused(Mode.SECURE, () -> TestAllocators.builder().option(Option.MODE, Mode.SECURE.ordinal()).build());
        assertRefused(Mode.CHECKED, () -> TestAllocators.builder().option(Option.MODE, Mode.CHECKED.ordinal()).build());
    }

    @Test
    void globalConfigurationFromThePropertyIsRefused() {
        String old = System.getProperty("nalloc.mode");
        System.setProperty("nalloc.mode", "secure");
        try {
            OptionValues values = OptionValues.fromEnvironment();
            assertEquals(Mode.SECURE, values.mode());
            // The configuration Allocator.global() hands to the provider.
            AllocatorConfig global = new AllocatorConfig(OsPrimitives.best(), values, values.mode(), null, null, null,
                    null, "global", true);
            assertRefused(Mode.SECURE, () -> new NallocProvider().create(global));
        } finally {
            if (old == null) {
                System.clearProperty("nalloc.mode");
            } else {
                System.setProperty("nalloc.mode", old);
            }
        }
    }

    @Test
    void fastIsAccepted() {
        try (var a = TestAllocators.builder().mode(Mode.FAST).build()) {
            assertEquals(Mode.FAST, a.mode());
        }
        try (var a = TestAllocators.builder().option(Option.MODE, Mode.FAST.ordinal()).build()) {
            assertEquals(Mode.FAST, a.mode());
        }
    }
}
