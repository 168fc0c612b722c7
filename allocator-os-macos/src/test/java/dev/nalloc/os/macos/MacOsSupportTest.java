package dev.nalloc.os.macos;

import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.Platform;
import dev.nalloc.spi.conformance.OsProviderConformance;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

class MacOsSupportTest extends OsProviderConformance {

    MacOsSupportTest() {
        super(MacOsPrimitives::new, "macos", 100, Platform.current().isMacOs(),
                "requires macOS (running " + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ")",
                "the macos OS layer is not supported here: ");
    }

    @Test
    void supportedOnMacOsOnBothArchitectures() {
        assertEquals(OsPrimitives.Support.yes(), MacOsPrimitives.supportOn(new Platform("Mac OS X", "aarch64")));
        assertEquals(OsPrimitives.Support.yes(), MacOsPrimitives.supportOn(new Platform("Mac OS X", "x86_64")));
    }

    @Test
    void refusesOtherSystemsWithTheirName() {
        assertEquals(OsPrimitives.Support.no("requires macOS (running Linux/amd64)"),
                MacOsPrimitives.supportOn(new Platform("Linux", "amd64")));
        assertEquals(OsPrimitives.Support.no("requires macOS (running Windows 11/amd64)"),
                MacOsPrimitives.supportOn(new Platform("Windows 11", "amd64")));
    }

    @Test
    void refusesOtherArchitecturesOnMacOs() {
        assertEquals(OsPrimitives.Support.no("requires macOS on aarch64 or x86_64 (running Mac OS X/ppc)"),
                MacOsPrimitives.supportOn(new Platform("Mac OS X", "ppc")));
    }

    @Test
    void anUnsupportedProviderNeverCallsTheKernel() {
        DarwinCalls calls = mock(DarwinCalls.class);
        MacOsPrimitives os = new MacOsPrimitives(new Platform("Linux", "amd64"), calls);
        os.support();
        os.name();
        os.priority();
        os.describeError(22);
        os.clockNanos();
        assertThrows(IllegalStateException.class, os::memoryConfig);
        assertThrows(IllegalStateException.class, () -> os.alloc(0, 1 << 16, 0, true, false));
        verifyNoInteractions(calls);
    }

    @Test
    void errorsAreDescribedByName() {
        MacOsPrimitives os = new MacOsPrimitives(new Platform("Linux", "amd64"), mock(DarwinCalls.class));
        assertEquals("EINVAL: invalid argument (22)", os.describeError(22));
        assertEquals("ENOMEM: cannot allocate memory (12)", os.describeError(12));
        assertEquals("ENOTSUP: operation not supported (45)", os.describeError(45));
        assertEquals("errno 9999 (9999)", os.describeError(9999));
    }
}
