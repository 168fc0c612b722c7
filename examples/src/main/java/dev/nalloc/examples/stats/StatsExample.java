package dev.nalloc.examples.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.stats.AllocatorMBeans;
import dev.nalloc.stats.HeapReport;
import dev.nalloc.stats.StatsTable;

import java.lang.management.ManagementFactory;

/** Reads an allocator's statistics four ways: the snapshot, the table, a heap report and JMX. */
public final class StatsExample {

    private StatsExample() {
    }

    /**
     * Runs the example.
     *
     * @param args unused
     * @throws Exception when JMX fails
     */
    public static void main(String[] args) throws Exception {
        try (Allocator a = Allocator.builder().name("stats-example").build();
             AllocatorMBeans.Registration jmx = AllocatorMBeans.register(a)) {
            long[] blocks = new long[500];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = a.malloc(i % 2 == 0 ? 64 : 4000);
            }
            AllocatorStats s = a.stats();
            System.out.printf("live blocks %d, allocated %d bytes, committed %d, reserved %d%n",
                    s.allocationCount(), s.allocated(), s.committed(), s.reserved());
            System.out.print(StatsTable.render(s.name(), s));
            System.out.print(HeapReport.of(a).render());
            Object live = ManagementFactory.getPlatformMBeanServer().getAttribute(jmx.objectName(), "AllocationCount");
            System.out.println("JMX " + jmx.objectName() + " AllocationCount = " + live);
            if (((Number) live).longValue() != blocks.length) {
                throw new IllegalStateException("JMX sees " + live + " live blocks, expected " + blocks.length);
            }
            for (long b : blocks) {
                a.free(b);
            }
        }
        System.out.println("stats example done");
    }
}
