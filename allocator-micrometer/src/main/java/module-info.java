/**
 * Nalloc's statistics as Micrometer meters: {@link dev.nalloc.micrometer.NallocMetrics} is a
 * {@code MeterBinder} for one allocator instance. Micrometer itself comes from the application.
 */
@SuppressWarnings("requires-transitive-automatic") // Micrometer ships no module descriptor
module dev.nalloc.micrometer {
    requires transitive dev.nalloc.api;
    requires transitive micrometer.core; // MeterBinder and MeterRegistry are in this module's API

    exports dev.nalloc.micrometer;
}
