package dev.nalloc.stats;

import dev.nalloc.api.Allocator;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Option {@code jit_directives} as most programs meet it: nothing started JMX, this module's
 * registration starts the MBean server during the build, and the same build adds the engine's
 * compiler directive (child JVM: the directive is process-wide).
 */
class JitDirectivesWithJmxTest {

    @Test
    void theRegistrationsServerCarriesTheDirectiveIn() throws Exception {
        String out = ChildJvm.run(Main.class, false, Duration.ofSeconds(60));
        assertTrue(out.contains("servers before the build: 0"), out);
        assertTrue(out.contains("matching: dev/nalloc/core/*.*"), out);
        assertTrue(out.contains("-dev/nalloc/core/heap/PageSearch.*"), out);
    }

    /** The child: one allocator built with the default options, then HotSpot's directive stack. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            System.out.println("servers before the build: " + MBeanServerFactory.findMBeanServer(null).size());
            try (Allocator a = Allocator.builder().name("jit-jmx").build()) {
                a.free(a.malloc(64));
                System.out.println(ManagementFactory.getPlatformMBeanServer().invoke(
                        new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesPrint",
                        new Object[]{new String[0]}, new String[]{String[].class.getName()}));
            }
        }
    }
}
