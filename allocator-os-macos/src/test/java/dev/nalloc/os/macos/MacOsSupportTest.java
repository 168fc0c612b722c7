package dev.nalloc.os.macos;

import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

class MacOsSupportTest {

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
    @DisabledOnOs(OS.MAC)
    void theRealProviderSaysWhyNotOnThisMachine() {
        MacOsPrimitives os = new MacOsPrimitives();
        String expected = "requires macOS (running " + System.getProperty("os.name") + "/"
                + System.getProperty("os.arch") + ")";
        assertFalse(os.support().supported());
        assertEquals(expected, os.support().reason());
        assertEquals("macos", os.name());
        assertEquals(100, os.priority());
    }

    @Test
    @DisabledOnOs(OS.MAC)
    void theRealProviderRefusesEveryKernelOperationHere() {
        MacOsPrimitives os = new MacOsPrimitives();
        String message = "the macos OS layer is not supported here: " + os.support().reason();
        for (Consumer<OsPrimitives> op : java.util.List.<Consumer<OsPrimitives>>of(
                OsPrimitives::memoryConfig, p -> p.alloc(0, 1 << 16, 0, false, false), p -> p.free(1 << 16, 1 << 16),
                p -> p.commit(1 << 16, 1 << 16), p -> p.decommit(1 << 16, 1 << 16), p -> p.reset(1 << 16, 1 << 16),
                p -> p.reuse(1 << 16, 1 << 16), p -> p.protect(1 << 16, 1 << 16, true),
                p -> p.setTransparentHugePages(true), p -> p.allocHugeOsPages(0, 1L << 30, -1),
                OsPrimitives::numaNodeCount, OsPrimitives::currentNumaNode, OsPrimitives::processInfo,
                p -> p.randomBytes(new byte[8]), p -> p.allocAligned(1 << 16, 1 << 16, false, false))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> op.accept(os));
            assertEquals(message, e.getMessage());
        }
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
    void serviceLoaderFindsTheProvider() {
        OsPrimitives named = OsPrimitives.named("macos");
        assertEquals(MacOsPrimitives.class, named.getClass());
        assertTrue(OsPrimitives.available().stream().anyMatch(p -> p instanceof MacOsPrimitives));
    }

    @Test
    void theClassPathRegistrationNamesTheProvider() throws IOException {
        try (InputStream in = MacOsPrimitives.class.getResourceAsStream("/META-INF/services/dev.nalloc.spi.OsPrimitives")) {
            assertTrue(in != null, "META-INF/services/dev.nalloc.spi.OsPrimitives is missing");
            assertEquals(MacOsPrimitives.class.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    @Test
    void theModuleProvidesIt() {
        Module module = MacOsPrimitives.class.getModule();
        if (module.isNamed()) {
            assertTrue(module.getDescriptor().provides().stream().anyMatch(p ->
                    p.service().equals(OsPrimitives.class.getName())
                            && p.providers().equals(java.util.List.of(MacOsPrimitives.class.getName()))));
        }
    }

    @Test
    @DisabledOnOs(OS.MAC)
    void bestDoesNotPickItHere() {
        try {
            OsPrimitives best = OsPrimitives.best();
            assertFalse(best instanceof MacOsPrimitives, "the macos layer was chosen off macOS");
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage().contains("macos (requires macOS (running "), e.getMessage());
        }
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
