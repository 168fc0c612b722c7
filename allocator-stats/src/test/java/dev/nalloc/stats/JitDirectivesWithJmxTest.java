package dev.nalloc.stats;

import dev.nalloc.api.Allocator;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Option {@code jit_directives} as most programs meet it: nothing started JMX, this module's
 * registration starts the MBean server during the build, and the same build adds the engine's
 * compiler directive (child JVM: the directive is process-wide).
 */
class JitDirectivesWithJmxTest {

    @Test
    void theRegistrationsServerCarriesTheDirectiveIn() throws Exception {
        Set<String> path = new LinkedHashSet<>();
        for (String p : new String[]{System.getProperty("jdk.module.path"), System.getProperty("java.class.path")}) {
            if (p != null && !p.isEmpty()) {
                path.addAll(List.of(p.split(File.pathSeparator)));
            }
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                "-cp", String.join(File.pathSeparator, path), Main.class.getName()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), out);
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
