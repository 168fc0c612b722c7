package dev.nalloc.spi;

import java.util.Locale;
import java.util.Objects;

/**
 * An operating system and processor architecture as the JVM names them ({@code os.name},
 * {@code os.arch}). An OS layer decides its {@link OsPrimitives#support() support} from one; being a
 * value, a test can hand a layer a platform other than the one it runs on.
 *
 * @param osName the {@code os.name} property, e.g. {@code Linux}, {@code Mac OS X}, {@code Windows 11}
 * @param arch   the {@code os.arch} property, e.g. {@code amd64}, {@code x86_64} or {@code aarch64}
 */
public record Platform(String osName, String arch) {

    /** Both names are required. */
    public Platform {
        Objects.requireNonNull(osName, "osName");
        Objects.requireNonNull(arch, "arch");
    }

    /** {@return the platform this JVM runs on} ({@code unknown} for a property the JVM does not set) */
    public static Platform current() {
        return new Platform(System.getProperty("os.name", "unknown"), System.getProperty("os.arch", "unknown"));
    }

    /** {@return true on Linux} ({@code os.name} is exactly {@code Linux} there) */
    public boolean isLinux() {
        return osName.startsWith("Linux");
    }

    /** {@return true on macOS} under any of its names ({@code Mac OS X}, {@code macOS}, {@code Darwin}), any case */
    public boolean isMacOs() {
        String os = osName.toLowerCase(Locale.ROOT);
        return os.startsWith("mac os x") || os.startsWith("macos") || os.startsWith("darwin");
    }

    /** {@return true on any Windows version} ({@code os.name} starts with {@code Windows}, any case) */
    public boolean isWindows() {
        return osName.toLowerCase(Locale.ROOT).startsWith("windows");
    }

    /** {@return true on 64-bit x86} ({@code amd64} or {@code x86_64}) */
    public boolean isX64() {
        return arch.equals("x86_64") || arch.equals("amd64");
    }

    /** {@return true on 64-bit ARM} ({@code aarch64} or {@code arm64}) */
    public boolean isArm64() {
        return arch.equals("aarch64") || arch.equals("arm64");
    }

    /** {@return {@code osName/arch}, e.g. {@code Linux/amd64}: the form support reasons quote} */
    @Override
    public String toString() {
        return osName + "/" + arch;
    }
}
