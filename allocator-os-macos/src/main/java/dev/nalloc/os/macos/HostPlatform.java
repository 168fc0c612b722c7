package dev.nalloc.os.macos;

import java.util.Locale;

/**
 * The running OS and architecture as the JVM reports them; a value so tests can pretend to be elsewhere.
 *
 * @param osName the {@code os.name} property, e.g. {@code Mac OS X}
 * @param arch   the {@code os.arch} property, e.g. {@code aarch64} or {@code x86_64}
 */
record HostPlatform(String osName, String arch) {

    static HostPlatform current() {
        return new HostPlatform(System.getProperty("os.name", "unknown"), System.getProperty("os.arch", "unknown"));
    }

    boolean isMacOs() {
        String os = osName.toLowerCase(Locale.ROOT);
        return os.startsWith("mac os x") || os.startsWith("macos") || os.startsWith("darwin");
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
