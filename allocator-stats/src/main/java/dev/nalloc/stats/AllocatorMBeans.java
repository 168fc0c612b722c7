package dev.nalloc.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.LeakReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registers allocator instances with the platform MBean server (visible in JConsole and
 * VisualVM under {@code dev.nalloc}), one MBean per instance:
 * {@code dev.nalloc:type=Allocator,name=<name>}. With this module on the class path or module path
 * every instance registers itself when built and unregisters at close (option {@code jmx}, on by
 * default; see {@link JmxRegistration}); {@link #register} is for instances built with the option off,
 * or under another name.
 *
 * <pre>{@code
 * try (AllocatorMBeans.Registration r = AllocatorMBeans.register(Allocator.global())) { ... }
 * }</pre>
 */
public final class AllocatorMBeans {

    /** The JMX domain. */
    public static final String DOMAIN = "dev.nalloc";

    private static final Logger LOG = LoggerFactory.getLogger("dev.nalloc");

    private AllocatorMBeans() {
    }

    /** The MBeans this class registered, by name: whose they are decides who may unregister them. */
    private static final Map<ObjectName, Bean> REGISTERED = new ConcurrentHashMap<>();

    /**
     * Registers {@code allocator} under its statistics name. An instance registers itself when built
     * (option {@code jmx}, on by default): then this returns a registration of that MBean.
     *
     * @param allocator the allocator
     * @return the registration; close it to unregister
     * @throws IllegalStateException when an MBean of that name is registered already
     */
    public static Registration register(Allocator allocator) {
        return register(allocator, allocator.stats().name());
    }

    /**
     * Registers {@code allocator} under {@code name}. When that instance is registered under that
     * name already by its automatic registration (option {@code jmx}), the registration is handed
     * over: closing the returned one unregisters the MBean.
     *
     * @param allocator the allocator
     * @param name      the {@code name} key of the object name
     * @return the registration; close it to unregister
     * @throws IllegalStateException when an MBean of that name is registered already (another
     *                               instance's, or one registered with this method before)
     */
    public static Registration register(Allocator allocator, String name) {
        Objects.requireNonNull(allocator, "allocator");
        ObjectName objectName = objectName(name);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        synchronized (REGISTERED) {
            Bean existing = REGISTERED.get(objectName);
            if (existing != null && existing.allocator == allocator && existing.automatic && server.isRegistered(objectName)) {
                existing.automatic = false;
                return new Registration(server, objectName, existing);
            }
            Bean bean = new Bean(allocator, name, false);
            try {
                server.registerMBean(bean, objectName);
            } catch (InstanceAlreadyExistsException e) {
                throw new IllegalStateException("nalloc: an MBean named " + objectName + " is registered already", e);
            } catch (JMException e) {
                throw new IllegalStateException("nalloc: could not register " + objectName + ": " + e.getMessage(), e);
            }
            REGISTERED.put(objectName, bean);
            return new Registration(server, objectName, bean);
        }
    }

    /**
     * The automatic registration of a new instance (option {@code jmx}): under its name, or, when
     * that name is taken (two instances named alike), under {@code <name>-2}, {@code <name>-3}…
     * Null when it could not be registered (logged).
     */
    static Registration registerAutomatically(Allocator allocator, String name) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        synchronized (REGISTERED) {
            for (int i = 1; i <= 1000; i++) {
                String n = i == 1 ? name : name + "-" + i;
                ObjectName objectName = objectName(n);
                Bean bean = new Bean(allocator, n, true);
                try {
                    server.registerMBean(bean, objectName);
                } catch (InstanceAlreadyExistsException e) {
                    continue;
                } catch (JMException | RuntimeException e) {
                    LOG.warn("nalloc: could not register {} with JMX: {}", objectName, e.toString());
                    return null;
                }
                if (i > 1) {
                    LOG.info("nalloc: an MBean named {} exists already; registered {} as {}", objectName(name), allocator, objectName);
                }
                REGISTERED.put(objectName, bean);
                return new Registration(server, objectName, bean);
            }
            LOG.warn("nalloc: could not register {} with JMX: 1000 MBeans of that name exist", objectName(name));
            return null;
        }
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

    /** A registration; closing it unregisters the MBean (idempotent; someone else's MBean of that name stays). */
    public static final class Registration implements AutoCloseable {
        private final MBeanServer server;
        private final ObjectName name;
        private final Bean bean;

        private Registration(MBeanServer server, ObjectName name, Bean bean) {
            this.server = server;
            this.name = name;
            this.bean = bean;
        }

        /** {@return the name the MBean is registered under} */
        public ObjectName objectName() {
            return name;
        }

        @Override
        public void close() {
            synchronized (REGISTERED) {
                if (!REGISTERED.remove(name, bean)) {
                    return; // unregistered already, or the name now belongs to another registration
                }
                try {
                    if (server.isRegistered(name)) {
                        server.unregisterMBean(name);
                    }
                } catch (JMException e) {
                    throw new IllegalStateException("nalloc: could not unregister " + name + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** The MXBean of one instance: a fresh snapshot per read. */
    private static final class Bean implements AllocatorMXBean {
        private final Allocator allocator;
        private final String name;
        /** Registered by the instance's build (option jmx), not yet handed over to a caller of register. */
        boolean automatic;

        Bean(Allocator allocator, String name, boolean automatic) {
            this.allocator = allocator;
            this.name = name;
            this.automatic = automatic;
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
        public String getLeakReport() {
            LeakReport r = allocator.leakReport();
            return r.isEmpty() ? "" : r.render("instance '" + name + "'", Integer.MAX_VALUE);
        }

        @Override
        public void collect(boolean force) {
            allocator.collect(force);
        }
    }
}
