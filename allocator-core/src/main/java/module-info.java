/**
 * Nalloc's engine: mimalloc v2's design (arenas, segments of slices, pages, page queues, thread
 * heaps) in Java over {@link java.lang.foreign}. Block memory is native; all metadata is Java
 * objects. Run with {@code --enable-native-access=dev.nalloc.core} (or {@code ALL-UNNAMED} on the
 * class path): the engine reads and writes free-list links through one all-memory segment.
 */
module dev.nalloc.core {
    requires dev.nalloc.api;
    requires org.slf4j;
    requires jdk.jfr; // JFR events from slow paths (dev.nalloc.core.jfr); nothing is emitted unless recording
    requires java.management; // option jit_directives: HotSpot's DiagnosticCommand MBean (JitDirectives)

    uses dev.nalloc.spi.StatsPrinter;
    uses dev.nalloc.spi.AllocatorListener; // allocator-stats: JMX registration of every instance (option jmx)

    provides dev.nalloc.spi.AllocatorProvider with dev.nalloc.core.NallocProvider;
}
