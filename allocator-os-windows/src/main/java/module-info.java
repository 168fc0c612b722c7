/**
 * Nalloc's OS layer for Windows: virtual memory through {@code VirtualAlloc}/{@code VirtualFree}/
 * {@code VirtualProtect} of kernel32 and random bytes from bcrypt, called with FFM downcalls.
 * Found with {@link java.util.ServiceLoader}.
 */
module dev.nalloc.os.windows {
    requires dev.nalloc.api;

    provides dev.nalloc.spi.OsPrimitives with dev.nalloc.os.windows.WindowsOsPrimitives;
}
