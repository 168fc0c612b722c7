package dev.nalloc.os.windows;

import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.Platform;
import dev.nalloc.spi.conformance.OsProviderConformance;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

class WindowsSupportTest extends OsProviderConformance {

    WindowsSupportTest() {
        super(WindowsOsPrimitives::new, "windows", 100, Platform.current().isWindows(),
                "requires Windows (running " + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ")",
                "the windows OS layer is not supported here: ");
    }

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
    void errorsAreDescribedByName() {
        WindowsOsPrimitives os = new WindowsOsPrimitives(new Platform("Linux", "amd64"), mock(Kernel32Calls.class));
        assertEquals("ERROR_INVALID_PARAMETER: the parameter is incorrect (87)", os.describeError(87));
        assertEquals("ERROR_INVALID_ADDRESS: attempt to access invalid address (487)", os.describeError(487));
        assertEquals("ERROR_NOT_ENOUGH_MEMORY: not enough memory resources (8)", os.describeError(8));
        assertEquals("STATUS_DLL_NOT_FOUND (3221225781)", os.describeError(0xC0000135));
        assertEquals("Windows error 9999 (9999)", os.describeError(9999));
    }
}
