package dev.nalloc.core;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guard pages really fault at the first bad byte, and the aborting handler really ends the
 * process: each case runs {@link ModeCrashProbe} in a child JVM that is expected to die (as the
 * conformance suite's protection probe does).
 */
class ModeCrashTest {

    /** What HotSpot prints when a write faults (fatal error report, or an InternalError). */
    private static final List<String> FAULT_REPORTS = List.of("SIGSEGV", "SIGBUS", "fault occurred");

    private record Child(int exitCode, String output) {
        @Override
        public String toString() {
            return "exit " + exitCode + ", output:\n" + output;
        }
    }

    private static Child run(String scenario) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("nalloc-mode-probe");
        List<String> cp = new ArrayList<>();
        for (String property : new String[]{"jdk.module.path", "java.class.path"}) {
            String value = System.getProperty(property);
            if (value != null && !value.isBlank()) {
                cp.add(value);
            }
        }
        List<String> command = List.of(ProcessHandle.current().info().command()
                        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-Xmx64m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
                "-cp", String.join(File.pathSeparator, cp), ModeCrashProbe.class.getName(), scenario);
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("the probe JVM did not finish in 90 s");
            }
            return new Child(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static void assertFaulted(String scenario) throws Exception {
        Child c = run(scenario);
        assertTrue(c.output.contains(ModeCrashProbe.BEFORE), () -> "the probe did not get to the write: " + c);
        assertNotEquals(0, c.exitCode, c::toString);
        assertFalse(c.output.contains(ModeCrashProbe.SURVIVED), c::toString);
        assertTrue(FAULT_REPORTS.stream().anyMatch(c.output::contains), () -> "no memory fault reported: " + c);
    }

    @Test
    void writingInsideAGuardedBlockIsFine() throws Exception {
        Child c = run("control");
        assertEquals(0, c.exitCode, c::toString);
        assertTrue(c.output.contains(ModeCrashProbe.SURVIVED), c::toString);
    }

    @Test
    void preciseGuardFaultsAtTheFirstByteAfterTheBlock() throws Exception {
        assertFaulted("guarded-precise");
    }

    @Test
    void guardFaultsAfterTheRoundedSpan() throws Exception {
        assertFaulted("guarded");
    }

    @Test
    void securePageGuardFaultsAfterTheLastBlockOfItsPage() throws Exception {
        assertFaulted("page-guard");
    }

    @Test
    void abortingHandlerEndsTheProcessOnADoubleFree() throws Exception {
        Child c = run("abort");
        assertTrue(c.output.contains(ModeCrashProbe.BEFORE), c::toString);
        assertEquals(134, c.exitCode, c::toString);
        assertTrue(c.output.contains("nalloc: double free: the block at 0x"), c::toString);
        assertTrue(c.output.contains("; aborting"), c::toString);
        assertFalse(c.output.contains(ModeCrashProbe.SURVIVED), c::toString);
    }
}
