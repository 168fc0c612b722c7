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
 * The allocator-bench Larson crash, made deterministic ({@link CloseDuringThreadDoneProbe} in a
 * child JVM): closing an instance unmaps its memory, so an instance must not be closed while a
 * thread is still inside one of its calls, {@code threadDone} included. A thread held inside
 * {@code threadDone} while the instance closes faults (SEGV_MAPERR) in the free-list walk of
 * {@code LocalHeap.abandonPages}, as in the bench's crash reports; the same thread let go before
 * the close survives. The bench's Larson now waits for every link's {@code threadDone}
 * ({@link ThreadChainStressTest} runs that pattern in core).
 */
class CloseDuringThreadDoneTest {

    private record Child(int exitCode, String output, String errorReport) {
        @Override
        public String toString() {
            return "exit " + exitCode + ", output:\n" + output + "\nerror report:\n" + errorReport;
        }
    }

    private static Child run(String scenario) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("nalloc-close-probe");
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
                "-XX:TieredStopAtLevel=1", "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + dir.resolve("hs_err.log"),
                "-cp", String.join(File.pathSeparator, cp), CloseDuringThreadDoneProbe.class.getName(), scenario);
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("the probe JVM did not finish in 90 s");
            }
            Path report = dir.resolve("hs_err.log");
            return new Child(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.exists(report) ? Files.readString(report, StandardCharsets.UTF_8) : "");
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void closingWhileAThreadIsInsideThreadDoneUnmapsTheMemoryItAbandons() throws Exception {
        Child c = run("close-during");
        assertTrue(c.output.contains(CloseDuringThreadDoneProbe.BEFORE), () -> "the probe did not get to the close: " + c);
        assertNotEquals(0, c.exitCode, c::toString);
        assertFalse(c.output.contains(CloseDuringThreadDoneProbe.SURVIVED), c::toString);
        assertTrue(c.errorReport.contains("SIGSEGV") && c.errorReport.contains("SEGV_MAPERR"), c::toString);
        assertTrue(c.errorReport.contains("LocalHeap.abandonPages") && c.errorReport.contains("NallocAllocator.threadDone"),
                c::toString);
    }

    @Test
    void closingAfterThreadDoneReturnedIsFine() throws Exception {
        Child c = run("close-after");
        assertEquals(0, c.exitCode, c::toString);
        assertTrue(c.output.contains(CloseDuringThreadDoneProbe.SURVIVED), c::toString);
    }
}
