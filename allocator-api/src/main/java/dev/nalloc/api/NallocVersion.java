package dev.nalloc.api;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URI;
import java.net.URL;

/**
 * Nalloc's version, from the module descriptor of {@code dev.nalloc.api} (the build writes the
 * project version there): read through the module on the module path, and from the
 * {@code module-info.class} beside this class on the class path.
 */
final class NallocVersion {

    private static final String UNKNOWN = "unknown";
    private static volatile String version;

    private NallocVersion() {
    }

    static String get() {
        String v = version;
        if (v == null) {
            v = read();
            version = v;
        }
        return v;
    }

    private static String read() {
        ModuleDescriptor named = NallocVersion.class.getModule().getDescriptor();
        if (named != null) {
            return named.rawVersion().orElse(UNKNOWN);
        }
        URL self = NallocVersion.class.getResource("NallocVersion.class");
        String suffix = "dev/nalloc/api/NallocVersion.class";
        if (self == null || !self.toString().endsWith(suffix)) {
            return UNKNOWN;
        }
        String root = self.toString().substring(0, self.toString().length() - suffix.length());
        try (InputStream in = URI.create(root + "module-info.class").toURL().openStream()) {
            return ModuleDescriptor.read(in).rawVersion().orElse(UNKNOWN);
        } catch (IOException | RuntimeException e) {
            return UNKNOWN; // repackaged without its descriptor (a shaded jar)
        }
    }
}
