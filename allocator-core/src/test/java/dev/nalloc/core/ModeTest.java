package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.api.OptionValues;
import dev.nalloc.spi.AllocatorConfig;
import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Every way of asking for a mode gets it: the builder, the {@code mode} option, the global configuration. */
class ModeTest {

    private static void assertMode(Mode mode, Allocator a) {
        try (a) {
            assertEquals(mode, a.mode());
            assertEquals(mode == Mode.FAST ? NallocAllocator.class : mode == Mode.CHECKED ? CheckedAllocator.class : SecureAllocator.class, a.getClass());
            long p = a.malloc(100);
            assertNotEquals(0, p);
            a.free(p);
        }
    }

    @Test
    void builderBuildsEachMode() {
        for (Mode m : Mode.values()) {
            assertMode(m, TestAllocators.builder().mode(m).build());
        }
    }

    @Test
    void modeOptionBuildsEachMode() {
        for (Mode m : Mode.values()) {
            assertMode(m, TestAllocators.builder().option(Option.MODE, m.ordinal()).build());
        }
    }

    @Test
    void builderModeWinsOverTheOption() {
        assertMode(Mode.SECURE, TestAllocators.builder().option(Option.MODE, Mode.CHECKED.ordinal()).mode(Mode.SECURE).build());
    }

    @Test
    void globalConfigurationFromThePropertyGetsTheMode() {
        String old = System.getProperty("nalloc.mode");
        System.setProperty("nalloc.mode", "secure");
        try {
            OptionValues values = OptionValues.fromEnvironment();
            assertEquals(Mode.SECURE, values.mode());
            // The configuration Allocator.global() hands to the provider (built here as an instance: not global).
            AllocatorConfig config = new AllocatorConfig(OsPrimitives.best(), values, values.mode(), null, null, null,
                    null, "global-like", false);
            assertMode(Mode.SECURE, new NallocProvider().create(config));
        } finally {
            if (old == null) {
                System.clearProperty("nalloc.mode");
            } else {
                System.setProperty("nalloc.mode", old);
            }
        }
    }
}
