package dev.nalloc.stats;

import com.google.common.testing.NullPointerTester;
import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.Heap;
import dev.nalloc.spi.AllocatorConfig;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every public method of the statistics module rejects a null argument with a
 * {@link NullPointerException} before doing anything (guava-testlib's NullPointerTester, so a
 * method added later is held to it too), and a rejected call registers no MBean.
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
            assertThrows(NullPointerException.class, () -> StatsTable.render("title", null));
            assertThrows(NullPointerException.class, () -> new TablePrinter().render("title", null));
            AllocatorStats snapshot = a.stats();
            assertEquals(StatsTable.render(snapshot), StatsTable.render(null, snapshot), "no title");
            assertEquals(mbeans, ManagementFactory.getPlatformMBeanServer().getMBeanCount(), "no MBean left registered");
        }
    }
}
