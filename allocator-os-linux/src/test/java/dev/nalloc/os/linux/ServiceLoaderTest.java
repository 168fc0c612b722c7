package dev.nalloc.os.linux;

import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.Platform;
import dev.nalloc.spi.conformance.OsProviderConformance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ServiceLoaderTest extends OsProviderConformance {

    ServiceLoaderTest() {
        super(LinuxOsPrimitives::new, "linux", 100, onLinuxHere(), reasonHere(), "the linux OS primitives cannot be used here: ");
    }

    private static boolean onLinuxHere() {
        Platform here = Platform.current();
        return here.isLinux() && (here.isX64() || here.arch().equals("aarch64"));
    }

    private static String reasonHere() {
        Platform here = Platform.current();
        return here.isLinux()
                ? "architecture '" + here.arch() + "' is not supported (x86_64 and aarch64 are)"
                : "not Linux (os.name is '" + here.osName() + "')";
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = {"amd64", "aarch64"})
    void itIsSupportedAndBestHere() {
        OsPrimitives best = OsPrimitives.best();
        assertInstanceOf(LinuxOsPrimitives.class, best);
        assertTrue(best.support().supported());
        assertEquals("linux", best.name());
        assertEquals(100, best.priority());
    }

    @Test
    void otherOperatingSystemsAreNotSupportedAndNeverLinkNativeCode() {
        LinuxOsPrimitives mac = new LinuxOsPrimitives(new Platform("Mac OS X", "aarch64"),
                arch -> fail("no native code may be linked on an unsupported OS"));
        OsPrimitives.Support support = mac.support();
        assertFalse(support.supported());
        assertEquals("not Linux (os.name is 'Mac OS X')", support.reason());
        IllegalStateException e = assertThrows(IllegalStateException.class, mac::memoryConfig);
        assertEquals("the linux OS primitives cannot be used here: not Linux (os.name is 'Mac OS X')", e.getMessage());
        assertThrows(IllegalStateException.class, () -> mac.alloc(0, 4096, 0, false, false));
    }

    @Test
    void otherArchitecturesAreNotSupported() {
        LinuxOsPrimitives riscv = new LinuxOsPrimitives(new Platform("Linux", "riscv64"),
                arch -> fail("no native code may be linked on an unsupported architecture"));
        assertFalse(riscv.support().supported());
        assertEquals("architecture 'riscv64' is not supported (x86_64 and aarch64 are)", riscv.support().reason());
        assertThrows(IllegalStateException.class, riscv::numaNodeCount);
    }

    @Test
    void bothArchitecturesAreSupportedOnLinux() {
        for (String arch : new String[]{"amd64", "x86_64", "aarch64"}) {
            assertTrue(new LinuxOsPrimitives(new Platform("Linux", arch), a -> new SimulatedKernel()).support().supported(), arch);
        }
    }
}
