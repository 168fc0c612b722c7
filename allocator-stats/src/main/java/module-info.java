/**
 * Rendering and export of Nalloc's statistics: a human table ({@link dev.nalloc.stats.StatsTable},
 * also printed by option {@code show_stats}), the JSON document and its schema
 * ({@link dev.nalloc.stats.StatsJson}), a JMX MBean per allocator instance, registered when the
 * instance is built ({@link dev.nalloc.stats.AllocatorMBeans}, {@link dev.nalloc.stats.JmxRegistration}) and heap-walking reports of live blocks by size class
 * ({@link dev.nalloc.stats.HeapReport}). The JFR events are emitted by the engine itself.
 */
module dev.nalloc.stats {
    requires transitive dev.nalloc.api;
    requires transitive java.management; // ObjectName in AllocatorMBeans' API
    requires org.slf4j;

    exports dev.nalloc.stats;
    opens dev.nalloc.stats; // the schema resource, for readers on the module path

    provides dev.nalloc.spi.StatsPrinter with dev.nalloc.stats.TablePrinter;
    provides dev.nalloc.spi.AllocatorListener with dev.nalloc.stats.JmxRegistration; // option jmx
}
