package dev.nalloc.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every instance is an MBean from its build to its close (option {@code jmx}), found through the
 * {@link dev.nalloc.spi.AllocatorListener} this module provides. Runs on the module path and, in a
 * second surefire execution, on the class path (META-INF/services).
 */
class JmxRegistrationTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @ParameterizedTest
    @EnumSource(Mode.class)
    void everyInstanceIsAnMBeanUntilItCloses(Mode mode) throws Exception {
        String n = "jmx-auto-" + mode.name().toLowerCase(java.util.Locale.ROOT);
        ObjectName name = AllocatorMBeans.objectName(n);
        Allocator a = TestAllocators.builder(n).mode(mode).build();
        try {
            assertTrue(server.isRegistered(name), "registered when built");
            long p = a.malloc(1000);
            assertEquals(n, server.getAttribute(name, "Name"));
            assertEquals(mode.name(), server.getAttribute(name, "Mode"));
            assertEquals(1L, server.getAttribute(name, "AllocationCount"));
            assertEquals(a.stats().reserved(), server.getAttribute(name, "Reserved"));
            a.free(p);
            assertEquals(0L, server.getAttribute(name, "AllocationCount"));
        } finally {
            a.close();
        }
        assertFalse(server.isRegistered(name), "unregistered at close");
    }

    @Test
    void optionJmxOffRegistersNothing() {
        ObjectName name = AllocatorMBeans.objectName("jmx-off");
        try (Allocator a = TestAllocators.builder("jmx-off").option(Option.JMX, 0).build()) {
            assertFalse(server.isRegistered(name));
            try (AllocatorMBeans.Registration r = AllocatorMBeans.register(a)) {
                assertTrue(server.isRegistered(r.objectName()), "the manual API still works");
            }
            assertFalse(server.isRegistered(name));
        }
    }

    @Test
    void twoInstancesOfOneNameGetTwoMBeans() {
        ObjectName first = AllocatorMBeans.objectName("jmx-twin");
        ObjectName second = AllocatorMBeans.objectName("jmx-twin-2");
        try (Allocator a = TestAllocators.builder("jmx-twin").build()) {
            try (Allocator b = TestAllocators.builder("jmx-twin").build()) {
                assertTrue(server.isRegistered(first));
                assertTrue(server.isRegistered(second));
            }
            assertTrue(server.isRegistered(first), "the first instance's MBean stays");
            assertFalse(server.isRegistered(second));
        }
        assertFalse(server.isRegistered(first));
    }

    @Test
    void aManualRegistrationTakesOverTheAutomaticOne() throws Exception {
        ObjectName name = AllocatorMBeans.objectName("jmx-handover");
        try (Allocator a = TestAllocators.builder("jmx-handover").build()) {
            AllocatorMBeans.Registration r = AllocatorMBeans.register(a);
            assertEquals(name, r.objectName());
            r.close();
            assertFalse(server.isRegistered(name), "closing the handed-over registration unregisters");
            // another instance may take the name now; closing the first must not unregister it
            try (Allocator b = TestAllocators.builder("jmx-handover").option(Option.JMX, 0).build();
                 AllocatorMBeans.Registration rb = AllocatorMBeans.register(b)) {
                a.close();
                assertTrue(server.isRegistered(name), "another instance's MBean is left alone");
                assertEquals(rb.objectName(), name);
                assertEquals(0L, server.getAttribute(name, "AllocationCount"));
            }
        }
    }

    @Test
    void theGlobalAllocatorIsRegistered() {
        Allocator.global().free(Allocator.global().malloc(8));
        assertTrue(server.isRegistered(AllocatorMBeans.objectName("global")), "the global instance registers itself when built");
    }
}
