package dev.nalloc.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocationSite;
import dev.nalloc.api.Heap;
import dev.nalloc.api.LeakDetection;
import dev.nalloc.api.Option;
import dev.nalloc.api.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Leak reports: live blocks by size class over every heap of an instance, or block by block. */
class HeapReportTest {

    @Test
    void coversTheHeapsOfEveryThread() throws Exception {
        try (Allocator a = TestAllocators.builder("report-all").build()) {
            long[] mine = new long[30];
            for (int i = 0; i < mine.length; i++) {
                mine[i] = a.malloc(100); // 112-byte blocks
            }
            CountDownLatch leaked = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            long[] theirs = new long[7];
            TestThreads.Running t = TestThreads.start(() -> {
                try {
                    for (int i = 0; i < theirs.length; i++) {
                        theirs[i] = a.malloc(3000);
                    }
                } finally {
                    leaked.countDown(); // also when it failed: the join below reports it
                }
                done.await(); // alive while the report is made
            });
            leaked.await();
            HeapReport r = HeapReport.of(a);
            done.countDown();
            t.join();
            long small = a.usableSize(mine[0]);
            long large = a.usableSize(theirs[0]);
            assertEquals(2, r.rows().size(), r.render());
            HeapReport.Row first = r.rows().get(0);
            assertEquals(large, first.blockSize(), "most live bytes first");
            assertEquals(7, first.liveBlocks());
            assertEquals(7 * large, first.liveBytes());
            HeapReport.Row second = r.rows().get(1);
            assertEquals(small, second.blockSize());
            assertEquals(30, second.liveBlocks());
            assertEquals(37, r.liveBlocks());
            assertEquals(7 * large + 30 * small, r.liveBytes());
            assertTrue(r.render().contains("total"), r.render());
            for (long x : mine) {
                a.free(x);
            }
            for (long x : theirs) {
                a.free(x);
            }
        }
    }

    /**
     * CHECKED and SECURE see every heap of every thread too (they used to see only the calling
     * thread's default heap). Their block sizes include padding, so rows are told apart by count.
     */
    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void everyModeCoversTheHeapsOfEveryThread(Mode mode) throws Exception {
        try (Allocator a = TestAllocators.builder("report-" + mode).mode(mode).build()) {
            long[] mine = new long[30];
            for (int i = 0; i < mine.length; i++) {
                mine[i] = a.malloc(100);
            }
            long[] theirs = new long[7];
            TestThreads.runOnNewThread(() -> {
                for (int i = 0; i < theirs.length; i++) {
                    theirs[i] = a.malloc(3000);
                }
            });
            HeapReport r = HeapReport.of(a);
            assertEquals(37, r.liveBlocks(), r.render());
            assertEquals(2, r.rows().size(), r.render());
            assertEquals(7, r.rows().get(0).liveBlocks(), "the 3000-byte blocks hold the most bytes: " + r.render());
            assertEquals(30, r.rows().get(1).liveBlocks(), r.render());
            assertTrue(r.rows().get(0).blockSize() >= 3000 && r.rows().get(1).blockSize() >= 100, r.render());
            for (long x : mine) {
                a.free(x);
            }
            a.collect(true);
            // the dead thread's blocks stay counted until their pages are collected: at most those 7
            assertTrue(HeapReport.of(a).liveBlocks() <= 7, "freed blocks leave the report: " + HeapReport.of(a).render());
            for (long x : theirs) {
                a.free(x);
            }
        }
    }

    private static long[] leakForTheReport(Allocator a) {
        return new long[]{a.malloc(700), a.malloc(700)};
    }

    @Test
    void withLeakDetectionTheReportListsAllocationSites() throws Exception {
        try (Allocator a = TestAllocators.builder("report-sites").option(Option.LEAK_DETECTION, LeakDetection.ALL.ordinal()).build()) {
            long[] p = leakForTheReport(a);
            a.free(a.malloc(10));
            HeapReport r = HeapReport.of(a);
            assertEquals(2, r.sites().blocks());
            assertEquals(1, r.sites().sites().size());
            AllocationSite site = r.sites().sites().get(0);
            assertEquals("leakForTheReport", site.top().getMethodName());
            assertEquals(1400, site.bytes());
            String text = r.render();
            assertTrue(text.contains("live blocks by allocation site: 2 live blocks (1400 bytes requested) at 1 allocation site, leak_detection=all"), text);
            assertTrue(text.contains(HeapReportTest.class.getName() + ".leakForTheReport("), text);
            String jmx = (String) java.lang.management.ManagementFactory.getPlatformMBeanServer()
                    .getAttribute(AllocatorMBeans.objectName("report-sites"), "LeakReport");
            assertTrue(jmx.contains(".leakForTheReport("), jmx);
            for (long x : p) {
                a.free(x);
            }
            assertTrue(HeapReport.of(a).sites().isEmpty());
            assertFalse(HeapReport.of(a).render().contains("allocation site"));
        }
        try (Allocator off = TestAllocators.builder("report-no-sites").build()) {
            leakForTheReport(off);
            assertEquals(LeakDetection.OFF, HeapReport.of(off).sites().level());
        }
    }

    @Test
    void blockByBlockKeepsSampleAddresses() {
        try (Allocator a = TestAllocators.builder("report-blocks").build(); Heap h = a.newHeap()) {
            long[] p = new long[5];
            for (int i = 0; i < p.length; i++) {
                p[i] = h.malloc(40);
            }
            h.malloc(5000);
            HeapReport r = HeapReport.ofBlocks(h, 3);
            HeapReport.Row row40 = r.rows().stream().filter(x -> x.blockSize() == a.usableSize(p[0])).findFirst().orElseThrow();
            assertEquals(5, row40.liveBlocks());
            assertEquals(3, row40.samples().size());
            for (long s : row40.samples()) {
                assertTrue(s == p[0] || s == p[1] || s == p[2] || s == p[3] || s == p[4], "a live block: " + s);
            }
            assertEquals(6, r.liveBlocks());
            assertEquals(6, HeapReport.of(h).liveBlocks());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeapReport.ofBlocks(h, -1));
            assertEquals("nalloc: negative samplesPerClass: -1", e.getMessage());
            h.destroy();
        }
    }
}
