package dev.nalloc.stats;

import dev.nalloc.api.Allocator;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MBean is read through the platform MBean server, as JConsole reads it. */
class AllocatorMBeansTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    private static long counter(TabularData table, String key) {
        CompositeData row = table.get(new Object[]{key});
        return (Long) row.get("value");
    }

    @Test
    void attributesAndCollectThroughThePlatformServer() throws Exception {
        try (Allocator a = TestAllocators.builder("jmx-test").build();
             AllocatorMBeans.Registration r = AllocatorMBeans.register(a)) {
            ObjectName name = new ObjectName("dev.nalloc:type=Allocator,name=jmx-test");
            assertEquals(name, r.objectName());
            assertTrue(server.isRegistered(name));
            long[] p = new long[10];
            for (int i = 0; i < p.length; i++) {
                p[i] = a.malloc(100);
            }
            assertEquals("jmx-test", server.getAttribute(name, "Name"));
            assertEquals("FAST", server.getAttribute(name, "Mode"));
            assertEquals(10L, server.getAttribute(name, "AllocationCount"));
            assertEquals(10 * a.usableSize(p[0]), server.getAttribute(name, "Allocated"));
            assertEquals(a.stats().reserved(), server.getAttribute(name, "Reserved"));
            assertTrue((Long) server.getAttribute(name, "Segments") >= 1);
            long committed = (Long) server.getAttribute(name, "Committed");
            assertTrue(committed > 0 && committed <= (Long) server.getAttribute(name, "OsCommitted"));
            long resident = (Long) server.getAttribute(name, "Resident");
            assertTrue(resident == -1 || (resident > 0 && resident <= committed), "resident " + resident);
            assertEquals(1L, server.getAttribute(name, "Arenas"));
            TabularData counters = (TabularData) server.getAttribute(name, "Counters");
            assertEquals(1, counter(counters, "mmap_calls"), "one arena reserved");
            TabularData counts = (TabularData) server.getAttribute(name, "Counts");
            assertEquals(10, counter(counts, "blocks"));
            assertTrue(((String) server.getAttribute(name, "StatsJson")).startsWith("{\"schema\":\"nalloc-stats/1\""));
            assertTrue(((String) server.getAttribute(name, "StatsTable")).startsWith("nalloc statistics: jmx-test\n"));
            for (long x : p) {
                a.free(x);
            }
            long collects = a.stats().counters().get("collect_calls");
            server.invoke(name, "collect", new Object[]{true}, new String[]{"boolean"});
            assertTrue(a.stats().counters().get("collect_calls") > collects, "the operation ran a collect");
            assertEquals(0L, server.getAttribute(name, "AllocationCount"));
        }
        assertFalse(server.isRegistered(AllocatorMBeans.objectName("jmx-test")), "closing the registration unregisters");
    }

    @Test
    void aSecondRegistrationOfTheSameNameIsRefused() {
        try (Allocator a = TestAllocators.builder("jmx-twice").build();
             AllocatorMBeans.Registration r = AllocatorMBeans.register(a)) {
            assertTrue(server.isRegistered(r.objectName()));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> AllocatorMBeans.register(a));
            assertEquals("nalloc: an MBean named dev.nalloc:type=Allocator,name=jmx-twice is registered already", e.getMessage());
        }
    }

    @Test
    void namesThatNeedQuotingAreQuoted() {
        assertEquals("dev.nalloc:type=Allocator,name=\"a,b=c\"", AllocatorMBeans.objectName("a,b=c").toString());
        assertEquals("dev.nalloc:type=Allocator,name=plain-1.x", AllocatorMBeans.objectName("plain-1.x").toString());
    }
}
