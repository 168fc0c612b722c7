/**
 * Nalloc's OS layer for Linux (x86-64 and AArch64): virtual memory through {@code mmap},
 * {@code mprotect} and {@code madvise}, huge pages, NUMA, process information and secure random
 * bytes, all through FFM downcalls to the C library.
 */
module dev.nalloc.os.linux {
    requires dev.nalloc.api;
    requires org.slf4j;

    provides dev.nalloc.spi.OsPrimitives with dev.nalloc.os.linux.LinuxOsPrimitives;
}
