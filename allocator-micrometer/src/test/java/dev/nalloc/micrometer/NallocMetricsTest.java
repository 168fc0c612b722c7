package dev.nalloc.micrometer;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.OsPrimitives;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The binder against a real {@link SimpleMeterRegistry} and a real allocator: the meters move with real allocations. */
class NallocMetricsTest {

    private static Allocator build(String name, ErrorHandler handler) {
        return Allocator.builder().os(OsPrimitives.best()).readEnvironment(false).name(name)
                .option(Option.ARENA_RESERVE, 64L << 20).option(Option.JMX, 0).errorHandler(handler).build();
    }

    private static double gauge(SimpleMeterRegistry r, String name) {
        return r.get(name).tag("allocator", "metrics-test").gauge().value();
    }

    private static double counter(SimpleMeterRegistry r, String name, String... tags) {
        return r.get(name).tags(tags).tag("allocator", "metrics-test").functionCounter().count();
    }

    @Test
    void gaugesAndCountersMoveWithRealAllocations() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ErrorHandler.Capturing handler = ErrorHandler.capturing();
        try (Allocator a = build("metrics-test", handler)) {
            new NallocMetrics(a, Tags.of("app", "test")).bindTo(registry);
            double allocated0 = gauge(registry, "nalloc.memory.allocated");
            double blocks0 = gauge(registry, "nalloc.blocks.live");
            double mmaps0 = counter(registry, "nalloc.os.calls", "call", "mmap");

            long[] p = new long[200];
            for (int i = 0; i < p.length; i++) {
                p[i] = a.malloc(1000);
            }
            long huge = a.malloc(40L << 20); // a segment of its own from the OS
            double allocated = gauge(registry, "nalloc.memory.allocated");
            assertTrue(allocated - allocated0 >= 200 * 1000 + (40L << 20), "allocated grew by the live blocks: " + allocated);
            assertEquals(blocks0 + 201, gauge(registry, "nalloc.blocks.live"));
            assertTrue(gauge(registry, "nalloc.memory.reserved") >= allocated);
            assertTrue(gauge(registry, "nalloc.memory.committed") >= 40L << 20);
            assertTrue(gauge(registry, "nalloc.memory.os.committed") >= 40L << 20);
            if (a.stats().resident() >= 0) {
                assertTrue(gauge(registry, "nalloc.memory.resident") > 0, "touched blocks are resident");
            }
            assertTrue(counter(registry, "nalloc.os.calls", "call", "mmap") > mmaps0, "the huge block was mapped");
            assertTrue(gauge(registry, "nalloc.segments") >= 2);
            assertTrue(gauge(registry, "nalloc.threads") >= 1);

            for (long x : p) {
                a.free(x);
            }
            a.free(huge);
            a.collect(true);
            assertEquals(blocks0, gauge(registry, "nalloc.blocks.live"));
            assertTrue(gauge(registry, "nalloc.memory.allocated") <= allocated0);
            assertTrue(gauge(registry, "nalloc.memory.allocated.peak") >= allocated, "the peak stays");
            assertTrue(gauge(registry, "nalloc.blocks.live.peak") >= blocks0 + 201);
            assertTrue(gauge(registry, "nalloc.memory.reserved.peak") >= gauge(registry, "nalloc.memory.reserved"));
            assertTrue(gauge(registry, "nalloc.memory.committed.peak") >= 40L << 20);
            assertTrue(counter(registry, "nalloc.os.calls", "call", "munmap") >= 1, "the huge segment went back");

            double misuse0 = counter(registry, "nalloc.misuse");
            long live = a.malloc(100);
            a.free(live + 8); // unaligned: misuse, reported to the capturing handler
            assertEquals(ErrorKind.UNALIGNED_FREE, handler.last().kind());
            assertEquals(misuse0 + 1, counter(registry, "nalloc.misuse"));
            a.free(live);
            a.malloc(Long.MAX_VALUE / 2);
            assertEquals(1, counter(registry, "nalloc.out.of.memory"));
        }
        assertEquals(0, gauge(registry, "nalloc.memory.reserved"), "a closed instance reserves nothing");
    }

    @Test
    void everyMeterIsTaggedAndNamedAsDocumented() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Allocator a = Allocator.builder().os(OsPrimitives.best()).readEnvironment(false).name("tags-test")
                .mode(Mode.SECURE).option(Option.JMX, 0).build()) {
            new NallocMetrics(a).bindTo(registry);
            Set<String> names = registry.getMeters().stream().map(m -> m.getId().getName()).collect(Collectors.toSet());
            assertTrue(names.containsAll(Set.of("nalloc.memory.reserved", "nalloc.memory.committed", "nalloc.memory.os.committed", "nalloc.memory.allocated",
                    "nalloc.blocks.live", "nalloc.memory.reserved.peak", "nalloc.memory.committed.peak",
                    "nalloc.memory.allocated.peak", "nalloc.blocks.live.peak", "nalloc.segments", "nalloc.pages",
                    "nalloc.threads", "nalloc.os.calls", "nalloc.memory.purged", "nalloc.misuse", "nalloc.out.of.memory",
                    "nalloc.os.failures")), names.toString());
            for (Meter m : registry.getMeters()) {
                assertEquals("tags-test", m.getId().getTag("allocator"), m.getId().toString());
                assertEquals("secure", m.getId().getTag("mode"), m.getId().toString());
            }
            assertEquals(6, registry.find("nalloc.os.calls").functionCounters().size());
            FunctionCounter purged = registry.get("nalloc.memory.purged").functionCounter();
            assertEquals("bytes", purged.getId().getBaseUnit());
        }
    }
}
