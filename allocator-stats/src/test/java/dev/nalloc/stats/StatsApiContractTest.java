package dev.nalloc.stats;

import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.Heap;
import dev.nalloc.api.LeakReport;
import dev.nalloc.spi.AllocatorConfig;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every public method of the statistics module rejects a null argument with a
 * {@link NullPointerException} before doing anything (guava-testlib's NullPointerTester, so a
 * method added later is held to it too), and a rejected call registers no MBean; heap reports are
 * immutable values.
 */
class StatsApiContractTest {

    @Test
    void publicMethodsRejectNull() throws Exception {
        try (Allocator a = TestAllocators.builder("null-contract").build(); Heap heap = a.newHeap()) {
            int mbeans = ManagementFactory.getPlatformMBeanServer().getMBeanCount();
            NullPointerTester t = new NullPointerTester()
                    .setDefault(Allocator.class, a)
                    .setDefault(Heap.class, heap)
                    .setDefault(AllocatorStats.class, a.stats())
                    .setDefault(AllocatorConfig.class, TestAllocators.builder("null-contract-config").config())
                    .setDefault(String.class, "null-contract-name")
                    .setDefault(LeakReport.class, LeakReport.off())
                    // a null name renders no title (checked below)
                    .ignore(StatsTable.class.getMethod("render", String.class, AllocatorStats.class))
                    .ignore(TablePrinter.class.getMethod("render", String.class, AllocatorStats.class));
            for (Class<?> type : List.of(StatsTable.class, StatsJson.class, HeapReport.class, HumanUnits.class,
                    AllocatorMBeans.class)) {
                t.testAllPublicStaticMethods(type);
            }
            t.testAllPublicInstanceMethods(new TablePrinter());
            t.testAllPublicInstanceMethods(new JmxRegistration());
            t.testAllPublicInstanceMethods(HeapReport.of(a));
            t.testAllPublicConstructors(HeapReport.class);
            t.testAllPublicConstructors(HeapReport.Row.class);
            assertThrows(NullPointerException.class, () -> StatsTable.render("title", null));
            assertThrows(NullPointerException.class, () -> new TablePrinter().render("title", null));
            AllocatorStats snapshot = a.stats();
            assertEquals(StatsTable.render(snapshot), StatsTable.render(null, snapshot), "no title");
            assertEquals(mbeans, ManagementFactory.getPlatformMBeanServer().getMBeanCount(), "no MBean left registered");
        }
    }

    /** Reports are values: equal exactly when their figures are, whatever list they were made from. */
    @Test
    void reportsAreEqualByValue() {
        HeapReport.Row row = new HeapReport.Row(64, 1, 2, 128, 4096, 65536, List.of(16L, 80L));
        new EqualsTester()
                .addEqualityGroup(row, new HeapReport.Row(64, 1, 2, 128, 4096, 65536, new ArrayList<>(List.of(16L, 80L))))
                .addEqualityGroup(new HeapReport.Row(64, 1, 2, 128, 4096, 65536, List.of(16L)))
                .addEqualityGroup(new HeapReport.Row(48, 1, 2, 128, 4096, 65536, List.of(16L, 80L)))
                .testEquals();
        new EqualsTester()
                .addEqualityGroup(new HeapReport(List.of(row), 1, 2, 128, 4096, LeakReport.off()),
                        new HeapReport(new ArrayList<>(List.of(row)), 1, 2, 128, 4096, LeakReport.off()))
                .addEqualityGroup(new HeapReport(List.of(), 1, 2, 128, 4096, LeakReport.off()))
                .testEquals();
        List<Long> samples = new ArrayList<>(List.of(16L));
        HeapReport.Row copied = new HeapReport.Row(64, 1, 1, 64, 4096, 65536, samples);
        samples.add(80L);
        assertEquals(List.of(16L), copied.samples(), "a report keeps its own copy");
    }
}
