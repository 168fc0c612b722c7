package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Startup footprint (issue 16): building an allocator and using it without anything to report never
 * starts the logging framework (Logback's start alone costs ~8 MiB of RSS). A child JVM with Logback on
 * its class path logs the classes it loads; no SLF4J {@code LoggerFactory} may be among them.
 */
class QuietStartTest {

    /** The child: the global instance and a built one, used, collected and closed. */
    public static final class Main {
        public static void main(String[] args) {
            Allocator g = Allocator.global();
            long p = g.malloc(64);
            g.free(p);
            try (Allocator a = Allocator.builder().name("quiet").build()) {
                long q = a.malloc(100_000);
                a.free(q);
                a.collect(true);
                if (a.stats().allocated() != 0) {
                    throw new AssertionError("live bytes after free");
                }
            }
            System.out.println("quiet-start done");
        }
    }

    @Test
    void buildingAndUsingAnAllocatorStartsNoLogging() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String path = System.getProperty("java.class.path");
        String modules = System.getProperty("jdk.module.path");
        if (modules != null && !modules.isEmpty()) {
            path = modules + File.pathSeparator + path;
        }
        assertTrue(path.contains("logback"), "Logback is on the child's path, as in an application");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                "-Xlog:class+load=info:stdout", "-cp", path, Main.class.getName()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), out.lines().filter(l -> !l.contains("class,load")).toList().toString());
        assertTrue(out.contains("quiet-start done"));
        assertTrue(out.contains("dev.nalloc.core.Engine "), "the class-load log lists the engine");
        assertFalse(out.contains("org.slf4j.LoggerFactory "), "SLF4J started: "
                + out.lines().filter(l -> l.contains("dev.nalloc") || l.contains("slf4j")).toList());
        assertFalse(out.contains("ch.qos.logback"), "Logback started");
    }
}
