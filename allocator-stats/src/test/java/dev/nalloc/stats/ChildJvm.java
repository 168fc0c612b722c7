package dev.nalloc.stats;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A main class of this module's tests run in a child JVM on the test's own class and module path. */
final class ChildJvm {

    /** This JVM's java executable (the child runs on the same JDK). */
    static final Path JAVA = Path.of(ProcessHandle.current().info().command().orElseThrow());

    private ChildJvm() {
    }

    /**
     * Runs {@code main} with {@code jvmArgs} (after native access and CDS), Logback left off the path
     * when {@code withoutLogback} (no SLF4J binding: what is logged goes to standard error); fails
     * unless it exits with 0 within {@code timeout}. Its standard output and error together.
     */
    static String run(Class<?> main, boolean withoutLogback, Duration timeout, String... jvmArgs) throws Exception {
        Set<String> path = new LinkedHashSet<>();
        for (String p : new String[]{System.getProperty("jdk.module.path"), System.getProperty("java.class.path")}) {
            if (p != null && !p.isEmpty()) {
                path.addAll(List.of(p.split(File.pathSeparator)));
            }
        }
        if (withoutLogback) {
            path.removeIf(p -> p.contains("logback"));
        }
        List<String> cmd = new ArrayList<>(List.of(JAVA.toString(), "--enable-native-access=ALL-UNNAMED", "-Xshare:auto"));
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", String.join(File.pathSeparator, path), main.getName()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(timeout.toSeconds(), TimeUnit.SECONDS), "the child did not end in " + timeout + ":\n" + out);
        assertEquals(0, child.exitValue(), out);
        return out;
    }
}
