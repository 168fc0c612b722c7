package dev.nalloc.api;

import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import dev.nalloc.spi.AllocatorConfig;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.FakeOsPrimitives;
import dev.nalloc.spi.ForwardingOsPrimitives;
import dev.nalloc.spi.FreeListEncoding;
import dev.nalloc.spi.HeapSelectionPolicy;
import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.Platform;
import dev.nalloc.spi.PurgePolicy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The public API's contracts checked by reflection (guava-testlib), so that a method added later is
 * held to them without anyone writing its test: every public method and constructor of the API's
 * value types and builders rejects a null reference argument with a {@link NullPointerException}
 * (where the javadoc does not say null is allowed), and the value types are equal exactly when their
 * components are.
 */
class PublicApiContractTest {

    private static final OsPrimitives OS = new FakeOsPrimitives(64 << 10, false);

    private static NullPointerTester tester() {
        return new NullPointerTester()
                .setDefault(OsPrimitives.class, OS)
                .setDefault(OptionValues.class, OptionValues.defaults())
                .setDefault(Option.class, Option.ARENA_RESERVE)
                .setDefault(Mode.class, Mode.FAST)
                .setDefault(LeakDetection.class, LeakDetection.OFF)
                .setDefault(ErrorKind.class, ErrorKind.INVALID_FREE)
                .setDefault(ErrorHandler.class, ErrorHandler.throwing())
                .setDefault(HeapSelectionPolicy.class, HeapSelectionPolicy.everyThreadOwnsHeap())
                .setDefault(FreeListEncoding.class, FreeListEncoding.PLAIN)
                .setDefault(Function.class, name -> null)
                .setDefault(String.class, "linux");
    }

    @Test
    void staticFactoriesRejectNull() {
        NullPointerTester t = tester();
        for (Class<?> type : List.of(OptionValues.class, LeakReport.class, LeakDetection.class, Mode.class,
                Allocator.class, Platform.class, OsPrimitives.class, OsPrimitives.Support.class,
                OsPrimitives.Allocation.class, ErrorHandler.class, HeapSelectionPolicy.class)) {
            t.testAllPublicStaticMethods(type);
        }
    }

    @Test
    void constructorsOfValuesRejectNull() {
        NullPointerTester t = tester();
        for (Class<?> type : List.of(AllocationSite.class, LeakReport.class, Platform.class, ErrorHandler.Report.class,
                OsPrimitives.Support.class)) {
            t.testAllPublicConstructors(type);
        }
    }

    @Test
    void instanceMethodsRejectNull() throws Exception {
        NullPointerTester t = tester()
                .ignore(ErrorKind.class.getMethod("message", String.class));   // null details: the prefix alone
        t.testAllPublicInstanceMethods(Allocator.builder());
        t.testAllPublicInstanceMethods(OptionValues.defaults());
        t.testAllPublicInstanceMethods(LeakReport.off());
        t.testAllPublicInstanceMethods(Platform.current());
        t.testAllPublicInstanceMethods(ErrorHandler.capturing());
        for (Option o : Option.values()) {
            t.testAllPublicInstanceMethods(o);
        }
        for (ErrorKind k : ErrorKind.values()) {
            t.testAllPublicInstanceMethods(k);
            assertEquals(k.prefix(), k.message(null));
        }
        t.testAllPublicInstanceMethods(new ForwardingOsPrimitives(OS) { });
        assertThrows(NullPointerException.class, () -> new ForwardingOsPrimitives(null) { });
    }

    /** Null means "the engine's default" for the policies, the handler and the name; the rest is required. */
    @Test
    void aConfigRequiresItsOsOptionsAndMode() {
        OptionValues v = OptionValues.defaults();
        assertThrows(NullPointerException.class, () -> new AllocatorConfig(null, v, Mode.FAST, null, null, null, null, null, false));
        assertThrows(NullPointerException.class, () -> new AllocatorConfig(OS, null, Mode.FAST, null, null, null, null, null, false));
        assertThrows(NullPointerException.class, () -> new AllocatorConfig(OS, v, null, null, null, null, null, null, false));
        assertEquals(OS, new AllocatorConfig(OS, v, Mode.FAST, null, null, null, null, null, false).os());
    }

    /** A misuse report always says which misuse; its message may be anything, as any exception's. */
    @Test
    void aMisuseExceptionRequiresItsKind() {
        assertThrows(NullPointerException.class, () -> new AllocatorMisuseException(null, 16, "free of 0x10"));
        assertEquals(ErrorKind.DOUBLE_FREE, new AllocatorMisuseException(ErrorKind.DOUBLE_FREE, 16, null).kind());
    }

    @Test
    void valuesAreEqualExactlyWhenTheirComponentsAre() {
        StackTraceElement here = new StackTraceElement("a.B", "c", "B.java", 1);
        StackTraceElement there = new StackTraceElement("a.B", "c", "B.java", 2);
        new EqualsTester()
                .addEqualityGroup(new HeapArea(1, 2, 3, 4, 5, 6), new HeapArea(1, 2, 3, 4, 5, 6))
                .addEqualityGroup(new HeapArea(1, 2, 3, 4, 5, 7))
                .addEqualityGroup(new HeapArea(0, 2, 3, 4, 5, 6))
                .testEquals();
        new EqualsTester()
                .addEqualityGroup(new ArenaId(1, 0x4000_0000L, 1L << 30, false, -1), new ArenaId(1, 0x4000_0000L, 1L << 30, false, -1))
                .addEqualityGroup(new ArenaId(2, 0x4000_0000L, 1L << 30, false, -1))
                .addEqualityGroup(new ArenaId(1, 0x4000_0000L, 1L << 30, true, -1))
                .addEqualityGroup(new ArenaId(1, 0x4000_0000L, 1L << 30, false, 0))
                .testEquals();
        new EqualsTester()
                .addEqualityGroup(new AllocationSite(List.of(here), 2, 64, List.of(16L, 48L)),
                        new AllocationSite(new java.util.ArrayList<>(List.of(here)), 2, 64, List.of(16L, 48L)))
                .addEqualityGroup(new AllocationSite(List.of(there), 2, 64, List.of(16L, 48L)))
                .addEqualityGroup(new AllocationSite(List.of(here), 2, 64, List.of(16L, 80L)))
                .testEquals();
        AllocationSite site = new AllocationSite(List.of(here), 1, 32, List.of(16L));
        new EqualsTester()
                .addEqualityGroup(LeakReport.off(), LeakReport.off())
                .addEqualityGroup(new LeakReport(LeakDetection.ALL, 1, 1, 32, 0, List.of(site)),
                        new LeakReport(LeakDetection.ALL, 1, 1, 32, 0, List.of(site)))
                .addEqualityGroup(new LeakReport(LeakDetection.SAMPLED, 1, 1, 32, 0, List.of(site)))
                .testEquals();
        new EqualsTester()
                .addEqualityGroup(AllocatorStats.Count.of(3, 5), new AllocatorStats.Count(3, 5, 0, 0))
                .addEqualityGroup(AllocatorStats.Count.ZERO, new AllocatorStats.Count(0, 0, 0, 0))
                .testEquals();
        new EqualsTester()
                .addEqualityGroup(new Platform("Linux", "amd64"), new Platform("Linux", "amd64"))
                .addEqualityGroup(new Platform("Linux", "aarch64"))
                .addEqualityGroup(new Platform("Mac OS X", "amd64"))
                .testEquals();
    }

    /** Option values are equal when every value is, whether it was set explicitly or is the default. */
    @Test
    void optionValuesAreEqualByValue() {
        OptionValues defaults = OptionValues.defaults();
        long reserve = defaults.get(Option.ARENA_RESERVE);
        new EqualsTester()
                .addEqualityGroup(defaults, OptionValues.defaults(), OptionValues.from(name -> null, name -> null))
                .addEqualityGroup(defaults.with(Map.of(Option.ARENA_RESERVE, reserve * 2)),
                        OptionValues.from(name -> null, name -> name.equals("nalloc.arena_reserve") ? Long.toString(reserve * 2) : null))
                .addEqualityGroup(defaults.with(Map.of(Option.VERBOSE, 1L)))
                .testEquals();
    }
}
