package dev.nalloc.core;

import dev.nalloc.api.AllocationSite;
import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.api.LeakDetection;
import dev.nalloc.api.LeakReport;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tracking layer (leak detection) stands in front of every method of {@link Allocator},
 * {@link Heap} and {@link Arena}: a method of those interfaces the layer does not override (a
 * default method added to the API, say) would run without the layer and silently allocate or free
 * blocks unseen. The reflection test fails when a method is added and the layer forgets it; the
 * others prove that each allocating and re-allocating form records what it should, and that a
 * random mix of all of them keeps the records equal to the live blocks.
 */
class TrackingLayerTest {

    // ================================================================== parity by reflection

    /**
     * The methods of {@code api} that {@code layer} leaves to a default of the interface. Only the
     * JDK's {@link SegmentAllocator} defaults may stay: they are specified to allocate through
     * {@code allocate(long, long)}, which the layer overrides (checked here too).
     */
    private static List<String> notOverridden(Class<?> api, Class<?> layer) throws NoSuchMethodException {
        List<String> missing = new ArrayList<>();
        for (Method m : api.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Method impl = layer.getMethod(m.getName(), m.getParameterTypes());
            if (impl.getDeclaringClass() == layer) {
                continue;
            }
            boolean jdkDefault = m.getDeclaringClass() == SegmentAllocator.class && m.isDefault();
            if (!jdkDefault) {
                missing.add(m.getDeclaringClass().getSimpleName() + "." + m.getName() + List.of(m.getParameterTypes()));
            }
        }
        assertEquals(layer, layer.getMethod("allocate", long.class, long.class).getDeclaringClass(),
                "SegmentAllocator's defaults allocate through allocate(long, long): the layer must override it");
        return missing;
    }

    @Test
    void theLayerOverridesEveryMethodOfAllocatorHeapAndArena() throws Exception {
        assertEquals(List.of(), notOverridden(Allocator.class, TrackingAllocator.class),
                "methods of Allocator that would bypass leak detection (override them in TrackingAllocator)");
        List<String> heap = new ArrayList<>();
        for (Method m : Heap.class.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers())
                    && TrackingHeap.class.getMethod(m.getName(), m.getParameterTypes()).getDeclaringClass() != TrackingHeap.class) {
                heap.add(m.getName() + List.of(m.getParameterTypes()));
            }
        }
        assertEquals(List.of(), heap, "methods of Heap that would bypass leak detection (override them in TrackingHeap)");
        assertEquals(List.of(), notOverridden(Arena.class, TrackingArena.class),
                "methods of Arena that would bypass leak detection (override them in TrackingArena)");
    }

    @Test
    void theReflectionCheckSeesADefaultMethodLeftToTheInterface() throws Exception {
        // The check itself can fail: an interface with a default the implementation leaves alone.
        assertEquals(List.of("Widened.extra[]"), notOverridden(Widened.class, Partial.class));
    }

    interface Widened extends SegmentAllocator {
        default long extra() {
            return 0;
        }
    }

    static final class Partial implements Widened {
        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            throw new UnsupportedOperationException();
        }
    }

    // ================================================================== every form, through the allocator and a heap

    /** The allocating and re-allocating forms, as an {@link Allocator} or one of its {@link Heap}s offers them. */
    interface Target {
        long malloc(long n);

        long zalloc(long n);

        long calloc(long c, long s);

        long mallocn(long c, long s);

        long mallocAligned(long n, long al);

        long mallocAlignedAt(long n, long al, long o);

        long zallocAligned(long n, long al);

        long zallocAlignedAt(long n, long al, long o);

        long callocAligned(long c, long s, long al);

        long callocAlignedAt(long c, long s, long al, long o);

        long realloc(long p, long n);

        long reallocf(long p, long n);

        long reallocn(long p, long c, long s);

        long rezalloc(long p, long n);

        long recalloc(long p, long c, long s);

        long expand(long p, long n);

        long reallocAligned(long p, long n, long al);

        long reallocAlignedAt(long p, long n, long al, long o);

        long rezallocAligned(long p, long n, long al);

        long rezallocAlignedAt(long p, long n, long al, long o);

        long recallocAligned(long p, long c, long s, long al);

        long recallocAlignedAt(long p, long c, long s, long al, long o);
    }

    static Target of(Allocator a) {
        return new Target() {
            public long malloc(long n) { return a.malloc(n); }
            public long zalloc(long n) { return a.zalloc(n); }
            public long calloc(long c, long s) { return a.calloc(c, s); }
            public long mallocn(long c, long s) { return a.mallocn(c, s); }
            public long mallocAligned(long n, long al) { return a.mallocAligned(n, al); }
            public long mallocAlignedAt(long n, long al, long o) { return a.mallocAlignedAt(n, al, o); }
            public long zallocAligned(long n, long al) { return a.zallocAligned(n, al); }
            public long zallocAlignedAt(long n, long al, long o) { return a.zallocAlignedAt(n, al, o); }
            public long callocAligned(long c, long s, long al) { return a.callocAligned(c, s, al); }
            public long callocAlignedAt(long c, long s, long al, long o) { return a.callocAlignedAt(c, s, al, o); }
            public long realloc(long p, long n) { return a.realloc(p, n); }
            public long reallocf(long p, long n) { return a.reallocf(p, n); }
            public long reallocn(long p, long c, long s) { return a.reallocn(p, c, s); }
            public long rezalloc(long p, long n) { return a.rezalloc(p, n); }
            public long recalloc(long p, long c, long s) { return a.recalloc(p, c, s); }
            public long expand(long p, long n) { return a.expand(p, n); }
            public long reallocAligned(long p, long n, long al) { return a.reallocAligned(p, n, al); }
            public long reallocAlignedAt(long p, long n, long al, long o) { return a.reallocAlignedAt(p, n, al, o); }
            public long rezallocAligned(long p, long n, long al) { return a.rezallocAligned(p, n, al); }
            public long rezallocAlignedAt(long p, long n, long al, long o) { return a.rezallocAlignedAt(p, n, al, o); }
            public long recallocAligned(long p, long c, long s, long al) { return a.recallocAligned(p, c, s, al); }
            public long recallocAlignedAt(long p, long c, long s, long al, long o) { return a.recallocAlignedAt(p, c, s, al, o); }
        };
    }

    static Target of(Heap h) {
        return new Target() {
            public long malloc(long n) { return h.malloc(n); }
            public long zalloc(long n) { return h.zalloc(n); }
            public long calloc(long c, long s) { return h.calloc(c, s); }
            public long mallocn(long c, long s) { return h.mallocn(c, s); }
            public long mallocAligned(long n, long al) { return h.mallocAligned(n, al); }
            public long mallocAlignedAt(long n, long al, long o) { return h.mallocAlignedAt(n, al, o); }
            public long zallocAligned(long n, long al) { return h.zallocAligned(n, al); }
            public long zallocAlignedAt(long n, long al, long o) { return h.zallocAlignedAt(n, al, o); }
            public long callocAligned(long c, long s, long al) { return h.callocAligned(c, s, al); }
            public long callocAlignedAt(long c, long s, long al, long o) { return h.callocAlignedAt(c, s, al, o); }
            public long realloc(long p, long n) { return h.realloc(p, n); }
            public long reallocf(long p, long n) { return h.reallocf(p, n); }
            public long reallocn(long p, long c, long s) { return h.reallocn(p, c, s); }
            public long rezalloc(long p, long n) { return h.rezalloc(p, n); }
            public long recalloc(long p, long c, long s) { return h.recalloc(p, c, s); }
            public long expand(long p, long n) { return h.expand(p, n); }
            public long reallocAligned(long p, long n, long al) { return h.reallocAligned(p, n, al); }
            public long reallocAlignedAt(long p, long n, long al, long o) { return h.reallocAlignedAt(p, n, al, o); }
            public long rezallocAligned(long p, long n, long al) { return h.rezallocAligned(p, n, al); }
            public long rezallocAlignedAt(long p, long n, long al, long o) { return h.rezallocAlignedAt(p, n, al, o); }
            public long recallocAligned(long p, long c, long s, long al) { return h.recallocAligned(p, c, s, al); }
            public long recallocAlignedAt(long p, long c, long s, long al, long o) { return h.recallocAlignedAt(p, c, s, al, o); }
        };
    }

    /** An allocating form and the bytes it requests. */
    record Alloc(String name, long bytes, ToLongFunction<Target> call) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A re-allocating form of block {@code p} and the bytes it requests ({@code expand} may decline: 0). */
    record Realloc(String name, long bytes, ReallocCall call) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface ReallocCall {
        long apply(Target t, long p);
    }

    static final List<Alloc> ALLOCS = List.of(
            new Alloc("malloc", 100, t -> t.malloc(100)),
            new Alloc("zalloc", 300, t -> t.zalloc(300)),
            new Alloc("calloc", 4 * 25, t -> t.calloc(4, 25)),
            new Alloc("mallocn", 3 * 70, t -> t.mallocn(3, 70)),
            new Alloc("mallocAligned", 200, t -> t.mallocAligned(200, 256)),
            new Alloc("mallocAlignedAt", 200, t -> t.mallocAlignedAt(200, 128, 16)),
            new Alloc("zallocAligned", 5000, t -> t.zallocAligned(5000, 4096)),
            new Alloc("zallocAlignedAt", 90, t -> t.zallocAlignedAt(90, 64, 8)),
            new Alloc("callocAligned", 6 * 10, t -> t.callocAligned(6, 10, 32)),
            new Alloc("callocAlignedAt", 5 * 20, t -> t.callocAlignedAt(5, 20, 64, 24)),
            new Alloc("realloc(0)", 40, t -> t.realloc(0, 40)));

    static final List<Realloc> REALLOCS = List.of(
            new Realloc("realloc", 70_000, (t, p) -> t.realloc(p, 70_000)),
            new Realloc("reallocf", 3000, (t, p) -> t.reallocf(p, 3000)),
            new Realloc("reallocn", 9 * 1000, (t, p) -> t.reallocn(p, 9, 1000)),
            new Realloc("rezalloc", 2000, (t, p) -> t.rezalloc(p, 2000)),
            new Realloc("recalloc", 7 * 300, (t, p) -> t.recalloc(p, 7, 300)),
            new Realloc("reallocAligned", 1000, (t, p) -> t.reallocAligned(p, 1000, 512)),
            new Realloc("reallocAlignedAt", 1000, (t, p) -> t.reallocAlignedAt(p, 1000, 256, 32)),
            new Realloc("rezallocAligned", 6000, (t, p) -> t.rezallocAligned(p, 6000, 1024)),
            new Realloc("rezallocAlignedAt", 6000, (t, p) -> t.rezallocAlignedAt(p, 6000, 128, 64)),
            new Realloc("recallocAligned", 8 * 500, (t, p) -> t.recallocAligned(p, 8, 500, 2048)),
            new Realloc("recallocAlignedAt", 8 * 500, (t, p) -> t.recallocAlignedAt(p, 8, 500, 64, 40)),
            new Realloc("expand", 60, (t, p) -> t.expand(p, 60)));

    static List<Arguments> allocs() {
        List<Arguments> list = new ArrayList<>();
        for (Mode m : Mode.values()) {
            for (Alloc f : ALLOCS) {
                list.add(Arguments.of(m, false, f));
                list.add(Arguments.of(m, true, f));
            }
        }
        return list;
    }

    static List<Arguments> reallocs() {
        List<Arguments> list = new ArrayList<>();
        for (Mode m : Mode.values()) {
            for (Realloc f : REALLOCS) {
                list.add(Arguments.of(m, false, f));
                list.add(Arguments.of(m, true, f));
            }
        }
        return list;
    }

    private static Allocator tracked(Mode mode) {
        return TestAllocators.builder().mode(mode).option(Option.LEAK_DETECTION, LeakDetection.ALL.ordinal()).build();
    }

    private static AllocationSite onlySite(LeakReport r) {
        assertEquals(1, r.sites().size(), r.render("report", 9));
        return r.sites().get(0);
    }

    /** Calls {@code f} here: the recorded site's top frame is this method. */
    private static long allocateInAKnownMethod(Target t, Alloc f) {
        return f.call().applyAsLong(t);
    }

    /**
     * The stack starts at the code that called the allocator or heap (this test's adapter, in the
     * method of that name: none of the layer's frames) and goes on through the known method.
     */
    private static void assertCalledFromAKnownMethod(AllocationSite s, String apiMethod) {
        assertTrue(s.top().getClassName().startsWith(TrackingLayerTest.class.getName()), s.toString());
        assertEquals(apiMethod, s.top().getMethodName(), s.toString());
        assertTrue(s.stack().stream().anyMatch(e -> e.getMethodName().equals("allocateInAKnownMethod")), s.toString());
    }

    @ParameterizedTest(name = "{0} heap={1} {2}")
    @MethodSource("allocs")
    void everyAllocatingFormRecordsItsSiteAndSizeAndFreeForgetsIt(Mode mode, boolean heap, Alloc f) {
        try (Allocator a = tracked(mode)) {
            Heap h = heap ? a.newHeap() : null;
            Target t = heap ? of(h) : of(a);
            long p = allocateInAKnownMethod(t, f);
            assertNotEquals(0, p);
            AllocationSite s = onlySite(a.leakReport());
            assertCalledFromAKnownMethod(s, f.name().replace("(0)", ""));
            assertEquals(1, s.blocks());
            assertEquals(f.bytes(), s.bytes());
            assertEquals(List.of(p), s.addresses());
            a.free(p);
            assertTrue(a.leakReport().isEmpty(), a.leakReport().render("after free", 9));
            if (h != null) {
                h.destroy();
            }
        }
    }

    @ParameterizedTest(name = "{0} heap={1} {2}")
    @MethodSource("reallocs")
    void everyReallocatingFormKeepsTheSiteAndTakesTheNewSize(Mode mode, boolean heap, Realloc f) {
        try (Allocator a = tracked(mode)) {
            Heap h = heap ? a.newHeap() : null;
            Target t = heap ? of(h) : of(a);
            long p = allocateInAKnownMethod(t, ALLOCS.get(0)); // 100 bytes
            long q = f.call().apply(t, p);
            AllocationSite s = onlySite(a.leakReport());
            assertCalledFromAKnownMethod(s, "malloc"); // the block keeps its allocation site
            assertEquals(1, s.blocks());
            if (q == 0) { // expand declined: the block is untouched
                assertEquals("expand", f.name());
                assertEquals(List.of(p), s.addresses());
                assertEquals(100, s.bytes());
                q = p;
            } else {
                assertEquals(List.of(q), s.addresses());
                assertEquals(f.bytes(), s.bytes());
            }
            a.free(q);
            assertTrue(a.leakReport().isEmpty(), a.leakReport().render("after free", 9));
            if (h != null) {
                h.destroy();
            }
        }
    }

    // ================================================================== a random mix keeps records equal to live blocks

    static List<Arguments> mixes() {
        List<Arguments> list = new ArrayList<>();
        for (Mode m : Mode.values()) {
            list.add(Arguments.of(m, false));
            list.add(Arguments.of(m, true));
        }
        return list;
    }

    @ParameterizedTest(name = "{0} heap={1}")
    @MethodSource("mixes")
    void aRandomMixOfEveryFormKeepsTheRecordsEqualToTheLiveBlocks(Mode mode, boolean heap) {
        Random rnd = new Random(17 + mode.ordinal() * 2L + (heap ? 1 : 0));
        try (Allocator a = tracked(mode)) {
            Heap h = heap ? a.newHeap() : null;
            Target t = heap ? of(h) : of(a);
            Map<Long, Long> live = new HashMap<>(); // address -> requested bytes
            List<Long> order = new ArrayList<>();
            for (int i = 0; i < 4000; i++) {
                int op = rnd.nextInt(10);
                if (op < 4 || live.isEmpty()) {
                    Alloc f = ALLOCS.get(rnd.nextInt(ALLOCS.size()));
                    long p = f.call().applyAsLong(t);
                    assertNotEquals(0, p, f.name());
                    live.put(p, f.bytes());
                    order.add(p);
                } else if (op < 7) {
                    long p = order.get(rnd.nextInt(order.size()));
                    Realloc f = REALLOCS.get(rnd.nextInt(REALLOCS.size()));
                    long q = f.call().apply(t, p);
                    if (q != 0) {
                        live.remove(p);
                        order.remove(Long.valueOf(p));
                        live.put(q, f.bytes());
                        order.add(q);
                    } else {
                        assertEquals("expand", f.name(), "only expand may decline");
                    }
                } else {
                    long p = order.remove(rnd.nextInt(order.size()));
                    live.remove(p);
                    a.free(p);
                }
                if (i % 500 == 0) {
                    assertRecordsAre(a.leakReport(), live);
                }
            }
            assertRecordsAre(a.leakReport(), live);
            for (long p : order) {
                a.free(p);
            }
            assertTrue(a.leakReport().isEmpty(), a.leakReport().render("after every free", 9));
            if (h != null) {
                h.destroy();
            }
        }
    }

    /** The report counts exactly the live blocks and their requested bytes, and every address it names is live. */
    private static void assertRecordsAre(LeakReport r, Map<Long, Long> live) {
        assertEquals(live.size(), r.blocks(), "recorded blocks");
        assertEquals(live.values().stream().mapToLong(Long::longValue).sum(), r.bytes(), "recorded bytes");
        TreeSet<Long> named = new TreeSet<>();
        r.sites().forEach(s -> named.addAll(s.addresses()));
        assertTrue(live.keySet().containsAll(named), "every address in the report is a live block");
    }
}
