package dev.nalloc.core.leak;

import dev.nalloc.api.LeakDetection;
import dev.nalloc.api.LeakReport;
import dev.nalloc.api.Option;
import dev.nalloc.api.OptionValues;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The records themselves, without an allocator: sites interned and dropped, ranges, footprint. */
class SiteTrackerTest {

    private static SiteTracker tracker(LeakDetection level, long rate) {
        OptionValues o = OptionValues.defaults().with(Map.of(Option.LEAK_DETECTION, (long) level.ordinal(),
                Option.LEAK_SAMPLE_RATE, rate));
        return new SiteTracker("t", o, Set.of(SiteTracker.class));
    }

    private static void recordHere(SiteTracker t, long address, long size) {
        t.record(address, size, 1);
    }

    @Test
    void offHasNoTracker() {
        assertThrows(IllegalArgumentException.class, () -> tracker(LeakDetection.OFF, 1));
    }

    @Test
    void sitesAreSharedAndGoWithTheirLastRecord() {
        SiteTracker t = tracker(LeakDetection.ALL, 1);
        for (long a = 0x1000; a < 0x1000 + 10 * 64; a += 64) {
            recordHere(t, a, 64);
        }
        recordHere(t, 0x9000, 8);
        assertEquals(2, t.siteCount(), "one loop site, one single site");
        LeakReport r = t.report();
        assertEquals(11, r.blocks());
        assertEquals(648, r.bytes());
        assertEquals(10, r.sites().get(0).blocks(), "most bytes first");
        assertEquals(java.util.List.of(0x1000L, 0x1040L, 0x1080L, 0x10c0L), r.sites().get(0).addresses());
        for (long a = 0x1000; a < 0x1000 + 10 * 64; a += 64) {
            t.forget(a);
        }
        assertEquals(1, t.siteCount());
        t.forget(0x9000);
        assertEquals(0, t.siteCount());
        assertEquals(0, t.liveRecords());
        t.forget(0x9000); // nothing recorded: nothing happens
        assertEquals(0, t.liveRecords());
    }

    @Test
    void aRangeGoesAtOnce() {
        SiteTracker t = tracker(LeakDetection.ALL, 1);
        for (long a = 0x10000; a < 0x30000; a += 0x1000) {
            recordHere(t, a, 100);
        }
        TreeMap<Long, Object> removed = new TreeMap<>();
        t.forgetRange(0x10000, 0x20000, removed);
        assertEquals(16, removed.size());
        assertEquals(16, t.liveRecords());
        assertEquals(16, t.report(removed).blocks());
        assertEquals(0x20000L, t.report().sites().get(0).addresses().get(0));
    }

    @Test
    void theSampledLevelSkipsTheTableForUnrecordedAddresses() {
        SiteTracker t = tracker(LeakDetection.SAMPLED, 4);
        int sampled = 0;
        for (int i = 0; i < 100_000; i++) {
            if (t.sample()) {
                sampled++;
            }
        }
        assertTrue(sampled > 23_000 && sampled < 27_000, "about one in 4: " + sampled);
        recordHere(t, 0x5000, 10);
        for (long a = 0x6000; a < 0x6000 + 1000 * 16; a += 16) {
            t.forget(a); // filtered out (or looked up and not found)
        }
        assertEquals(1, t.liveRecords());
        t.forget(0x5000);
        assertEquals(0, t.liveRecords());
    }

    @Test
    void alignedBlocksAreFoundFromAddressesInsideThem() {
        SiteTracker t = tracker(LeakDetection.SAMPLED, 1_000_000);
        t.record(0x40100, 300, 256);
        t.forget(0x40180); // inside the requested bytes
        assertEquals(0, t.liveRecords());
        t.record(0x50100, 300, 256);
        t.forget(0x50010); // before it, in the block (less than the alignment before the address)
        assertEquals(0, t.liveRecords());
        t.record(0x60100, 300, 256);
        t.forget(0x60000); // too far before: another block
        assertEquals(1, t.liveRecords());
    }

    /**
     * The Java heap a live record costs (the figure docs/statistics.md and the option's javadoc
     * give): 200 000 records of one site, measured after full collections.
     */
    @Test
    void aRecordCostsAboutOneHundredBytesOfJavaHeap() {
        SiteTracker t = tracker(LeakDetection.ALL, 1);
        recordHere(t, 8, 8); // the site and the classes are made
        long before = usedAfterGc();
        int n = 200_000;
        for (long i = 1; i <= n; i++) {
            recordHere(t, i << 6, 48);
        }
        long after = usedAfterGc();
        double perRecord = (after - before) / (double) n;
        System.out.printf("leak detection: %.1f bytes of Java heap per live record%n", perRecord);
        assertEquals(n + 1, t.liveRecords());
        assertTrue(perRecord > 40 && perRecord < 160, "bytes per record: " + perRecord);
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
