package dev.nalloc.os.windows;

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

class WindowsSupportTest {

    @Test
    void supportedOnWindowsOnBothArchitectures() {
        assertEquals(OsPrimitives.Support.yes(), WindowsOsPrimitives.supportOn(new Platform("Windows 11", "amd64")));
        assertEquals(OsPrimitives.Support.yes(), WindowsOsPrimitives.supportOn(new Platform("Windows Server 2022", "aarch64")));
    }

    @Test
    void refusesOtherSystemsWithTheirName() {
        assertEquals(OsPrimitives.Support.no("requires Windows (running Linux/amd64)"),
                WindowsOsPrimitives.supportOn(new Platform("Linux", "amd64")));
        assertEquals(OsPrimitives.Support.no("requires Windows (running Mac OS X/aarch64)"),
                WindowsOsPrimitives.supportOn(new Platform("Mac OS X", "aarch64")));
    }

    @Test
    void refusesOtherArchitecturesOnWindows() {
        assertEquals(OsPrimitives.Support.no("requires 64-bit Windows on amd64 or aarch64 (running Windows 10/x86)"),
                WindowsOsPrimitives.supportOn(new Platform("Windows 10", "x86")));
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void theRealProviderSaysWhyNotOnThisMachine() {
        WindowsOsPrimitives os = new WindowsOsPrimitives();
        String expected = "requires Windows (running " + System.getProperty("os.name") + "/"
                + System.getProperty("os.arch") + ")";
        assertFalse(os.support().supported());
        assertEquals(expected, os.support().reason());
        assertEquals("windows", os.name());
        assertEquals(100, os.priority());
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void theRealProviderRefusesEveryKernelOperationHere() {
        WindowsOsPrimitives os = new WindowsOsPrimitives();
        String message = "the windows OS layer is not supported here: " + os.support().reason();
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
        Kernel32Calls calls = mock(Kernel32Calls.class);
        WindowsOsPrimitives os = new WindowsOsPrimitives(new Platform("Linux", "amd64"), calls);
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
        OsPrimitives named = OsPrimitives.named("windows");
        assertEquals(WindowsOsPrimitives.class, named.getClass());
        assertTrue(OsPrimitives.available().stream().anyMatch(p -> p instanceof WindowsOsPrimitives));
    }

    @Test
    void theClassPathRegistrationNamesTheProvider() throws IOException {
        try (InputStream in = WindowsOsPrimitives.class.getResourceAsStream("/META-INF/services/dev.nalloc.spi.OsPrimitives")) {
            assertTrue(in != null, "META-INF/services/dev.nalloc.spi.OsPrimitives is missing");
            assertEquals(WindowsOsPrimitives.class.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    @Test
    void theModuleProvidesIt() {
        Module module = WindowsOsPrimitives.class.getModule();
        if (module.isNamed()) {
            assertTrue(module.getDescriptor().provides().stream().anyMatch(p ->
                    p.service().equals(OsPrimitives.class.getName())
                            && p.providers().equals(java.util.List.of(WindowsOsPrimitives.class.getName()))));
        }
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void bestDoesNotPickItHere() {
        try {
            OsPrimitives best = OsPrimitives.best();
            assertFalse(best instanceof WindowsOsPrimitives, "the windows layer was chosen off Windows");
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage().contains("windows (requires Windows (running "), e.getMessage());
        }
    }

    @Test
    void errorsAreDescribedByName() {
        WindowsOsPrimitives os = new WindowsOsPrimitives(new Platform("Linux", "amd64"), mock(Kernel32Calls.class));
        assertEquals("ERROR_INVALID_PARAMETER: the parameter is incorrect (87)", os.describeError(87));
        assertEquals("ERROR_INVALID_ADDRESS: attempt to access invalid address (487)", os.describeError(487));
        assertEquals("ERROR_NOT_ENOUGH_MEMORY: not enough memory resources (8)", os.describeError(8));
        assertEquals("STATUS_DLL_NOT_FOUND (3221225781)", os.describeError(0xC0000135));
        assertEquals("Windows error 9999 (9999)", os.describeError(9999));
    }
}
