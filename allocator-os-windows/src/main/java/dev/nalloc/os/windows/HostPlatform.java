package dev.nalloc.os.windows;

import java.util.Locale;

/**
 * The running OS and architecture as the JVM reports them; a value so tests can pretend to be elsewhere.
 *
 * @param osName the {@code os.name} property, e.g. {@code Windows 11}
 * @param arch   the {@code os.arch} property, e.g. {@code amd64} or {@code aarch64}
 */
record HostPlatform(String osName, String arch) {

    static HostPlatform current() {
        return new HostPlatform(System.getProperty("os.name", "unknown"), System.getProperty("os.arch", "unknown"));
    }

    boolean isWindows() {
        return osName.toLowerCase(Locale.ROOT).startsWith("windows");
    }

    boolean isX64() {
        return arch.equals("x86_64") || arch.equals("amd64");
    }

    boolean isArm64() {
        return arch.equals("aarch64") || arch.equals("arm64");
    }

    @Override
    public String toString() {
        return osName + "/" + arch;
    }
}
