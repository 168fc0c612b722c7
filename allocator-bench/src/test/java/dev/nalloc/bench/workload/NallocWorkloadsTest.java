package dev.nalloc.bench.workload;

import dev.nalloc.api.Allocator;
import dev.nalloc.bench.peer.NallocPeer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Every workload, tiny, against Nalloc (skipped with a reason when the engine is not on the path). */
class NallocWorkloadsTest {

    private static String unavailable;

    @BeforeAll
    static void findEngine() {
        try {
            Allocator.builder().build().close();
        } catch (RuntimeException | LinkageError | java.util.ServiceConfigurationError e) {
            unavailable = "Nalloc engine not usable on the test class path (" + e + "); install allocator-core";
        }
    }

    static List<String> names() {
        return Workloads.all().stream().map(Workload::name).toList();
    }

    @ParameterizedTest
    @MethodSource("names")
    void runsOnAFreshInstanceAndFreesEverything(String name) {
        assumeTrue(unavailable == null, () -> unavailable);
        Allocator instance = Allocator.builder().build();
        try (NallocPeer nalloc = NallocPeer.wrap("nalloc", instance, true)) {
            WorkloadResult result = Workloads.named(name).run(nalloc, TinySettings.of(name));
            assertTrue(result.operations() > 0);
            instance.collect(true);
            assertTrue(instance.stats().allocationCount() == 0,
                    name + " left " + instance.stats().allocationCount() + " live blocks");
        }
    }

    /** The CHECKED and SECURE modes run every workload with no error reported (no false positive). */
    @ParameterizedTest
    @MethodSource("names")
    void runsInCheckedAndSecureModeWithoutAReport(String name) {
        assumeTrue(unavailable == null, () -> unavailable);
        for (dev.nalloc.api.Mode mode : new dev.nalloc.api.Mode[]{dev.nalloc.api.Mode.CHECKED, dev.nalloc.api.Mode.SECURE}) {
            dev.nalloc.spi.ErrorHandler.Capturing errors = dev.nalloc.spi.ErrorHandler.capturing();
            Allocator instance = Allocator.builder().mode(mode).errorHandler(errors).build();
            try (NallocPeer peer = NallocPeer.wrap("nalloc-" + mode, instance, true)) {
                WorkloadResult result = Workloads.named(name).run(peer, TinySettings.of(name));
                assertTrue(result.operations() > 0);
                instance.collect(true);
                assertTrue(errors.reports().isEmpty(), () -> mode + " " + name + ": " + errors.reports());
                assertTrue(instance.stats().allocationCount() == 0,
                        mode + " " + name + " left " + instance.stats().allocationCount() + " live blocks");
            }
        }
    }
}
