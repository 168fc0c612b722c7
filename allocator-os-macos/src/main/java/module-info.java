/**
 * Nalloc's OS layer for macOS: virtual memory through {@code mmap}/{@code madvise}/{@code mprotect}
 * of libSystem, called with FFM downcalls. Found with {@link java.util.ServiceLoader}.
 */
module dev.nalloc.os.macos {
    requires dev.nalloc.api;

    provides dev.nalloc.spi.OsPrimitives with dev.nalloc.os.macos.MacOsPrimitives;
}
