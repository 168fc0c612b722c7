package dev.nalloc.micrometer;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Binds one allocator instance's statistics to a Micrometer {@link MeterRegistry}:
 *
 * <pre>{@code
 * new NallocMetrics(Allocator.global()).bindTo(registry);
 * }</pre>
 *
 * Every meter carries the tags {@code allocator} (the instance's name) and {@code mode}, plus the
 * ones given here. Gauges (a fresh {@link Allocator#stats()} snapshot per read):
 * {@code nalloc.memory.reserved}, {@code nalloc.memory.committed}, {@code nalloc.memory.os.committed},
 * {@code nalloc.memory.resident} (when the OS layer can tell), {@code nalloc.memory.allocated} (bytes of live blocks),
 * {@code nalloc.blocks.live}, their peaks {@code nalloc.memory.reserved.peak},
 * {@code nalloc.memory.committed.peak}, {@code nalloc.memory.allocated.peak},
 * {@code nalloc.blocks.live.peak}, and {@code nalloc.segments}, {@code nalloc.pages},
 * {@code nalloc.threads}. Counters (monotonic totals): {@code nalloc.os.calls} with tag
 * {@code call} = {@code mmap}, {@code munmap}, {@code commit}, {@code decommit}, {@code reset},
 * {@code purge}; {@code nalloc.memory.purged} (bytes), {@code nalloc.misuse},
 * {@code nalloc.out.of.memory}, {@code nalloc.os.failures}. The names of the statistics behind
 * them are those of docs/statistics.md.
 *
 * <p>The gauges and counters hold the allocator weakly, as Micrometer's own binders do; after
 * {@link Allocator#close()} they read the closed instance's statistics (nothing reserved).
 */
public final class NallocMetrics implements MeterBinder {

    private static final String[][] OS_CALLS = {
            {"mmap", "mmap_calls"}, {"munmap", "munmap_calls"}, {"commit", "commit_calls"},
            {"decommit", "decommit_calls"}, {"reset", "reset_calls"}, {"purge", "purge_calls"}};

    private final Allocator allocator;
    private final Iterable<Tag> tags;

    /**
     * The meters of {@code allocator}, tagged with its name and mode.
     *
     * @param allocator the instance to measure
     */
    public NallocMetrics(Allocator allocator) {
        this(allocator, Tags.empty());
    }

    /**
     * The meters of {@code allocator}, tagged with its name, its mode and {@code tags}.
     *
     * @param allocator the instance to measure
     * @param tags      more tags for every meter
     */
    public NallocMetrics(Allocator allocator, Iterable<Tag> tags) {
        this.allocator = Objects.requireNonNull(allocator, "allocator");
        this.tags = Objects.requireNonNull(tags, "tags");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        AllocatorStats first = allocator.stats();
        Tags t = Tags.of(tags).and("allocator", first.name()).and("mode", allocator.mode().name().toLowerCase(java.util.Locale.ROOT));

        bytes(registry, t, "nalloc.memory.reserved", "Address space reserved from the OS", a -> a.stats().reserved());
        bytes(registry, t, "nalloc.memory.committed", "Memory in use: handed to pages and huge blocks, not purged", a -> a.stats().committed());
        bytes(registry, t, "nalloc.memory.os.committed", "Memory the OS holds committed for the instance", a -> a.stats().osCommitted());
        if (first.resident() >= 0) {
            bytes(registry, t, "nalloc.memory.resident", "Memory of the instance resident in RAM", a -> Math.max(0, a.stats().resident()));
        }
        bytes(registry, t, "nalloc.memory.allocated", "Bytes in live blocks (usable sizes)", a -> a.stats().allocated());
        gauge(registry, t, "nalloc.blocks.live", "Live blocks", "blocks", a -> a.stats().allocationCount());
        bytes(registry, t, "nalloc.memory.reserved.peak", "Peak of the reserved bytes", a -> peak(a, "reserved"));
        bytes(registry, t, "nalloc.memory.committed.peak", "Peak of the committed bytes", a -> peak(a, "committed"));
        bytes(registry, t, "nalloc.memory.allocated.peak", "Peak of the bytes in live blocks", a -> a.stats().allocatedPeak());
        gauge(registry, t, "nalloc.blocks.live.peak", "Peak of the live blocks", "blocks", a -> peak(a, "blocks"));
        gauge(registry, t, "nalloc.segments", "Segments mapped", "segments", a -> current(a, "segments"));
        gauge(registry, t, "nalloc.pages", "Pages held by heaps", "pages", a -> current(a, "pages"));
        gauge(registry, t, "nalloc.threads", "Threads using the instance", BaseUnits.THREADS, a -> current(a, "threads"));

        for (String[] call : OS_CALLS) {
            counter(registry, t.and("call", call[0]), "nalloc.os.calls", "Successful calls to the OS memory layer", "calls", call[1]);
        }
        counter(registry, t, "nalloc.memory.purged", "Bytes of free memory purged (decommitted or reset)", BaseUnits.BYTES, "purged_bytes");
        counter(registry, t, "nalloc.misuse", "Misuse and corruption detected (invalid, double, unaligned frees, overflow)", "errors", "misuse");
        counter(registry, t, "nalloc.out.of.memory", "Allocations that found no memory", "errors", "out_of_memory");
        counter(registry, t, "nalloc.os.failures", "OS memory calls that failed", "errors", "os_failures");
    }

    private static double current(Allocator a, String count) {
        AllocatorStats.Count c = a.stats().counts().get(count);
        return c == null ? 0 : c.current();
    }

    private static double peak(Allocator a, String count) {
        AllocatorStats.Count c = a.stats().counts().get(count);
        return c == null ? 0 : c.peak();
    }

    private void bytes(MeterRegistry registry, Tags t, String name, String description, ToDoubleFunction<Allocator> value) {
        gauge(registry, t, name, description, BaseUnits.BYTES, value);
    }

    private void gauge(MeterRegistry registry, Tags t, String name, String description, String unit,
                       ToDoubleFunction<Allocator> value) {
        Gauge.builder(name, allocator, value).description(description).baseUnit(unit).tags(t).register(registry);
    }

    private void counter(MeterRegistry registry, Tags t, String name, String description, String unit, String key) {
        FunctionCounter.builder(name, allocator, a -> a.stats().counters().getOrDefault(key, 0L))
                .description(description).baseUnit(unit).tags(t).register(registry);
    }
}
