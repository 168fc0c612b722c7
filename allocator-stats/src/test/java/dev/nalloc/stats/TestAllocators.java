package dev.nalloc.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorBuilder;
import dev.nalloc.api.Option;
import dev.nalloc.spi.OsPrimitives;

/** Real allocators (core engine, this platform's OS layer), no environment options. */
final class TestAllocators {

    private TestAllocators() {
    }

    static AllocatorBuilder builder(String name) {
        return Allocator.builder().os(OsPrimitives.best()).readEnvironment(false).name(name)
                .option(Option.ARENA_RESERVE, 64L << 20);
    }
}
