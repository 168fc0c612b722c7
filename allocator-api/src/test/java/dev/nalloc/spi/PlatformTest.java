package dev.nalloc.spi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlatformTest {

    @Test
    void currentIsWhatTheJvmReports() {
        Platform current = Platform.current();
        assertEquals(System.getProperty("os.name"), current.osName());
        assertEquals(System.getProperty("os.arch"), current.arch());
    }

    @Test
    void toStringIsOsSlashArch() {
        assertEquals("Linux/amd64", new Platform("Linux", "amd64").toString());
        assertEquals("Mac OS X/aarch64", new Platform("Mac OS X", "aarch64").toString());
    }

    @Test
    void linuxIsTheJdkName() {
        assertTrue(new Platform("Linux", "amd64").isLinux());
        assertFalse(new Platform("linux", "amd64").isLinux());
        assertFalse(new Platform("Mac OS X", "aarch64").isLinux());
        assertFalse(new Platform("Windows 11", "amd64").isLinux());
    }

    @Test
    void macOsUnderAnyOfItsNames() {
        assertTrue(new Platform("Mac OS X", "aarch64").isMacOs());
        assertTrue(new Platform("macOS", "aarch64").isMacOs());
        assertTrue(new Platform("Darwin", "x86_64").isMacOs());
        assertFalse(new Platform("Linux", "amd64").isMacOs());
        assertFalse(new Platform("Windows 11", "amd64").isMacOs());
    }

    @Test
    void windowsAnyVersion() {
        assertTrue(new Platform("Windows 11", "amd64").isWindows());
        assertTrue(new Platform("Windows Server 2022", "aarch64").isWindows());
        assertTrue(new Platform("windows 10", "x86").isWindows());
        assertFalse(new Platform("Linux", "amd64").isWindows());
        assertFalse(new Platform("Mac OS X", "aarch64").isWindows());
    }

    @Test
    void architectures() {
        assertTrue(new Platform("Linux", "amd64").isX64());
        assertTrue(new Platform("Mac OS X", "x86_64").isX64());
        assertFalse(new Platform("Linux", "amd64").isArm64());
        assertTrue(new Platform("Linux", "aarch64").isArm64());
        assertTrue(new Platform("Mac OS X", "arm64").isArm64());
        assertFalse(new Platform("Linux", "aarch64").isX64());
        assertFalse(new Platform("Windows 10", "x86").isX64());
        assertFalse(new Platform("Windows 10", "x86").isArm64());
        assertFalse(new Platform("Linux", "riscv64").isX64());
        assertFalse(new Platform("Linux", "riscv64").isArm64());
    }

    @Test
    void bothNamesAreRequired() {
        assertEquals("osName", assertThrows(NullPointerException.class, () -> new Platform(null, "amd64")).getMessage());
        assertEquals("arch", assertThrows(NullPointerException.class, () -> new Platform("Linux", null)).getMessage());
    }
}
