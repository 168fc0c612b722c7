package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Option {@code jit_directives}: the patterns name real engine methods, HotSpot takes the directive
 * once per process when an instance is built with the option on (its default), and nothing is
 * installed with it off. The install is process-wide, so each case runs in a child JVM of its own.
 */
class JitDirectivesTest {

    /** A rename must not leave a pattern that matches nothing. */
    @Test
    void everyPatternNamesAnEngineClassAndMethod() throws ClassNotFoundException {
        for (String pattern : JitDirectives.OUT_OF_LINE) {
            int dot = pattern.lastIndexOf('.');
            Class<?> type = Class.forName(pattern.substring(0, dot).replace('/', '.'));
            assertTrue(type.getName().startsWith("dev.nalloc.core."), pattern);
            String method = pattern.substring(dot + 1);
            if (!method.equals("*")) {
                assertTrue(Arrays.stream(type.getDeclaredMethods()).map(Method::getName).anyMatch(method::equals),
                        pattern + " names no method of " + type.getName());
            }
        }
        assertTrue(JitDirectives.MATCH.startsWith("dev/nalloc/core/"), "only the engine's own compiles");
    }

    @Test
    void theDirectiveKeepsEveryPatternOutOfLine() {
        String json = JitDirectives.json();
        assertTrue(json.startsWith("[{ match: \"" + JitDirectives.MATCH + "\", inline: ["), json);
        for (String pattern : JitDirectives.OUT_OF_LINE) {
            assertTrue(json.contains("\"-" + pattern + "\""), pattern);
        }
    }

    @Test
    void installedOnceWhenTheMBeanServerRunsAtABuild() throws Exception {
        ProbeJvm.Result r = ProbeJvm.run(Probe.class, "jmx-first");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.output().contains("status INSTALLED (1 compiler directives added)"), r.toString());
        assertEquals(1, r.output().split("matching: dev/nalloc/core/\\*\\.\\*", -1).length - 1, "one directive: " + r);
        assertTrue(r.output().contains("-dev/nalloc/core/heap/FullQueue.*"), r.toString());
    }

    /** Never starts the MBean server for it: about 200 ms of start-up. */
    @Test
    void waitsForJmxAndInstallsAtTheNextBuild() throws Exception {
        ProbeJvm.Result r = ProbeJvm.run(Probe.class, "jmx-later");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.output().contains("before WAITING_FOR_JMX server-started false"), r.toString());
        assertTrue(r.output().contains("status INSTALLED"), r.toString());
        assertEquals(1, r.output().split("matching: dev/nalloc/core/\\*\\.\\*", -1).length - 1, "one directive: " + r);
    }

    @Test
    void nothingIsInstalledWithTheOptionOff() throws Exception {
        ProbeJvm.Result r = ProbeJvm.run(Probe.class, "jmx-first", "-Dnalloc.jit_directives=false");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.output().contains("status NOT_REQUESTED"), r.toString());
        assertFalse(r.output().contains("matching: dev/nalloc/core/"), r.toString());
    }

    /** The child: builds instances around the MBean server's start, prints the status and HotSpot's directive stack. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            if (args[0].equals("jmx-first")) {
                ManagementFactory.getPlatformMBeanServer();
                build(2);
            } else {
                build(2);
                System.out.println("before " + JitDirectives.status() + " server-started "
                        + !javax.management.MBeanServerFactory.findMBeanServer(null).isEmpty());
                ManagementFactory.getPlatformMBeanServer();
                build(1);
            }
            System.out.println("status " + JitDirectives.status() + " (" + JitDirectives.detail() + ")");
            System.out.println(ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesPrint",
                    new Object[]{new String[0]}, new String[]{String[].class.getName()}));
        }

        private static void build(int n) {
            for (int i = 0; i < n; i++) {
                try (Allocator a = Allocator.builder().name("jit-" + i).build()) {
                    a.free(a.malloc(64));
                }
            }
        }
    }
}
