package dev.nalloc.bench.peer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Version strings of the peers, from the Debian package, the library file name or the jar. */
public final class PeerVersions {

    private PeerVersions() {
    }

    public static String glibc() {
        try {
            MethodHandle h = Downcalls.plain(Downcalls.libc(), "gnu_get_libc_version",
                    Downcalls.fn(java.lang.foreign.ValueLayout.ADDRESS));
            MemorySegment s = (MemorySegment) h.invokeExact();
            return "glibc " + s.reinterpret(64).getString(0);
        } catch (Throwable t) {
            return "glibc (version unknown)";
        }
    }

    public static String mimalloc() {
        return nativeLibrary("libmimalloc2.0", MimallocPeer.SONAME);
    }

    public static String tcmalloc() {
        return nativeLibrary("libtcmalloc-minimal4", TcmallocPeer.SONAME);
    }

    public static String jemalloc() {
        return nativeLibrary("libjemalloc2", JemallocPeer.SONAME);
    }

    public static String jdk() {
        return "JDK " + Runtime.version();
    }

    public static String netty() {
        try {
            return "Netty " + io.netty.util.Version.identify().get("netty-buffer").artifactVersion();
        } catch (RuntimeException e) {
            return "Netty (version unknown)";
        }
    }

    /** The jar (or directory) the Nalloc engine was loaded from. */
    public static String nalloc() {
        try {
            Class<?> engine = dev.nalloc.api.Allocator.global().getClass();
            var source = engine.getProtectionDomain().getCodeSource();
            String where = source == null ? "?" : Path.of(source.getLocation().toURI()).getFileName().toString();
            return "Nalloc " + where;
        } catch (Exception | LinkageError | java.util.ServiceConfigurationError e) {
            return "Nalloc (engine not available)";
        }
    }

    /** "package version (real file name)", falling back to what can be found. */
    static String nativeLibrary(String debianPackage, String soname) {
        String file = Downcalls.locate(soname).map(PeerVersions::realName).orElse(soname + " (not found)");
        String version = dpkgVersion(debianPackage);
        return version.isEmpty() ? file : debianPackage + " " + version + " (" + file + ")";
    }

    private static String realName(Path path) {
        try {
            return path.toRealPath().getFileName().toString();
        } catch (IOException e) {
            return path.getFileName().toString();
        }
    }

    private static String dpkgVersion(String debianPackage) {
        try {
            Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", debianPackage)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "";
            }
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
