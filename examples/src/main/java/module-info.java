/**
 * Nalloc's examples, written as an application would: an off-heap cache, a server loop on virtual
 * threads, statistics, and an OS layer of one's own. The module needs no native access: views of
 * blocks come from {@code Allocator.asSegment}, made by the engine.
 */
module dev.nalloc.examples {
    requires dev.nalloc.api;
    requires dev.nalloc.stats;

    exports dev.nalloc.examples.cache;
    exports dev.nalloc.examples.os;
    exports dev.nalloc.examples.server;
    exports dev.nalloc.examples.stats;

    provides dev.nalloc.spi.OsPrimitives with dev.nalloc.examples.os.MyOsPrimitives;
}
