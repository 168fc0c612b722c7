package dev.nalloc.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Registers allocator instances with the platform MBean server (visible in JConsole and
 * VisualVM under {@code dev.nalloc}), one MBean per instance:
 * {@code dev.nalloc:type=Allocator,name=<name>}.
 *
 * <pre>{@code
 * try (AllocatorMBeans.Registration r = AllocatorMBeans.register(Allocator.global())) { ... }
 * }</pre>
 */
public final class AllocatorMBeans {

    /** The JMX domain. */
    public static final String DOMAIN = "dev.nalloc";

    private AllocatorMBeans() {
    }

    /**
     * Registers {@code allocator} under its statistics name.
     *
     * @param allocator the allocator
     * @return the registration; close it to unregister
     * @throws IllegalStateException when an MBean of that name is registered already
     */
    public static Registration register(Allocator allocator) {
        return register(allocator, allocator.stats().name());
    }

    /**
     * Registers {@code allocator} under {@code name}.
     *
     * @param allocator the allocator
     * @param name      the {@code name} key of the object name
     * @return the registration; close it to unregister
     * @throws IllegalStateException when an MBean of that name is registered already
     */
    public static Registration register(Allocator allocator, String name) {
        ObjectName objectName = objectName(name);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            server.registerMBean(new Bean(allocator, name), objectName);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalStateException("nalloc: an MBean named " + objectName + " is registered already", e);
        } catch (JMException e) {
            throw new IllegalStateException("nalloc: could not register " + objectName + ": " + e.getMessage(), e);
        }
        return new Registration(server, objectName);
    }

    /**
     * {@return {@code dev.nalloc:type=Allocator,name=<name>}, the name quoted when it needs to be}
     *
     * @param name the allocator's name
     */
    public static ObjectName objectName(String name) {
        String value = name.matches("[A-Za-z0-9._\\-]+") ? name : ObjectName.quote(name);
        try {
            return new ObjectName(DOMAIN + ":type=Allocator,name=" + value);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("nalloc: not usable as an MBean name: " + name, e);
        }
    }

    /** A registration; closing it unregisters the MBean (idempotent). */
    public static final class Registration implements AutoCloseable {
        private final MBeanServer server;
        private final ObjectName name;

        private Registration(MBeanServer server, ObjectName name) {
            this.server = server;
            this.name = name;
        }

        /** {@return the name the MBean is registered under} */
        public ObjectName objectName() {
            return name;
        }

        @Override
        public void close() {
            try {
                if (server.isRegistered(name)) {
                    server.unregisterMBean(name);
                }
            } catch (JMException e) {
                throw new IllegalStateException("nalloc: could not unregister " + name + ": " + e.getMessage(), e);
            }
        }
    }

    /** The MXBean of one instance: a fresh snapshot per read. */
    private static final class Bean implements AllocatorMXBean {
        private final Allocator allocator;
        private final String name;

        Bean(Allocator allocator, String name) {
            this.allocator = allocator;
            this.name = name;
        }

        private AllocatorStats s() {
            return allocator.stats();
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public String getMode() {
            return allocator.mode().name();
        }

        @Override
        public long getReserved() {
            return s().reserved();
        }

        @Override
        public long getCommitted() {
            return s().committed();
        }

        @Override
        public long getOsCommitted() {
            return s().osCommitted();
        }

        @Override
        public long getResident() {
            return s().resident();
        }

        @Override
        public long getAllocated() {
            return s().allocated();
        }

        @Override
        public long getAllocatedPeak() {
            return s().allocatedPeak();
        }

        @Override
        public long getAllocationCount() {
            return s().allocationCount();
        }

        private long current(String key) {
            AllocatorStats.Count c = s().counts().get(key);
            return c == null ? 0 : c.current();
        }

        @Override
        public long getSegments() {
            return current("segments");
        }

        @Override
        public long getPages() {
            return current("pages");
        }

        @Override
        public long getArenas() {
            return current("arenas");
        }

        @Override
        public long getThreads() {
            return current("threads");
        }

        @Override
        public Map<String, Long> getCounts() {
            Map<String, Long> m = new LinkedHashMap<>();
            StatsTable.countsOf(s()).forEach((k, v) -> m.put(k, v.current()));
            return m;
        }

        @Override
        public Map<String, Long> getCounters() {
            return new LinkedHashMap<>(s().counters());
        }

        @Override
        public String getStatsJson() {
            return s().toJson();
        }

        @Override
        public String getStatsTable() {
            return StatsTable.render(name, s());
        }

        @Override
        public void collect(boolean force) {
            allocator.collect(force);
        }
    }
}
