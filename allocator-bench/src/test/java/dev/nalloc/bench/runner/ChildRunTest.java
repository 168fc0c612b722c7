package dev.nalloc.bench.runner;

import dev.nalloc.bench.peer.Peers;
import dev.nalloc.bench.report.RunRecord;
import dev.nalloc.bench.workload.Workloads;
import dev.nalloc.bench.workload.WorkloadSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The child-JVM path: one workload, one allocator, a fresh JVM, a parsed result line. */
class ChildRunTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static RunRecord runChild(String peer, String workload, Map<String, String> env, String... extra)
            throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("peer=" + peer, "workload=" + workload, "threads=2"));
        args.addAll(List.of(extra));
        ChildLauncher.Outcome outcome = ChildLauncher.run(
                ChildLauncher.command(ChildMain.class.getName(), args), env, TIMEOUT);
        assertTrue(!outcome.stderr().contains("WARNING"), "child printed warnings: " + outcome.stderr());
        return ChildLauncher.record(workload, peer, outcome, TIMEOUT);
    }

    @Test
    void glibcRunsInAChildAndReportsPeakRss() throws Exception {
        RunRecord r = runChild("glibc", "glibc-simple", Map.of(), "param.iterations=2000");
        assertEquals(RunRecord.OK, r.status(), r.message());
        assertEquals("glibc", r.peer());
        assertTrue(r.operations() > 0);
        assertTrue(r.peakRssBytes() > r.startRssBytes() / 2 && r.peakRssBytes() > (10L << 20), "peak " + r.peakRssBytes());
        assertTrue(r.peakCommitBytes() > 0, "glibc reports mallinfo2");
        assertTrue(r.heapHeldBytes() >= 0 && r.heapPeakBytes() >= r.heapHeldBytes(),
                "heap held " + r.heapHeldBytes() + ", peak " + r.heapPeakBytes());
    }

    @Test
    void jemallocRunsInAChildWithLdPreload() throws Exception {
        var spec = Peers.named("jemalloc");
        assumeTrue(spec.skipLine().isEmpty(), () -> spec.skipLine().orElse(""));
        RunRecord r = runChild("jemalloc", "glibc-simple", spec.childEnvironment(), "param.iterations=2000");
        assertEquals(RunRecord.OK, r.status(), r.message());
        assertTrue(r.peakCommitBytes() > 0, "jemalloc's stats.mapped through mallctl");
    }

    @Test
    void unsafeRunsWithoutTheTerminalDeprecationWarning() throws Exception {
        RunRecord r = runChild("unsafe", "alloc-test", Map.of(), "param.iterations=2000");
        assertEquals(RunRecord.OK, r.status(), r.message());
    }

    @Test
    void aChildThatDiesWithoutAResultIsAFailureWithItsLastWords() {
        ChildLauncher.Outcome crashed = new ChildLauncher.Outcome(134, false, "noise\n", "line1\nSIGSEGV here\n");
        RunRecord r = ChildLauncher.record("mstress", "glibc", crashed, TIMEOUT);
        assertEquals(RunRecord.FAILED, r.status());
        assertEquals("child JVM exited with 134 without a result: line1 / SIGSEGV here", r.message());
        RunRecord slow = ChildLauncher.record("mstress", "glibc", new ChildLauncher.Outcome(-1, true, "", ""), TIMEOUT);
        assertEquals("timed out after 60 s", slow.message());
    }

    @Test
    void aCrashedChildIsReportedWithItsSignalAndFrame() {
        String stdout = """
                #
                # A fatal error has been detected by the Java Runtime Environment:
                #
                #  SIGSEGV (0xb) at pc=0x00007f68905e56e2, pid=29376, tid=29398
                #
                # Problematic frame:
                # J 1351 c1 jdk.internal.misc.Unsafe.getLongUnaligned(Ljava/lang/Object;JZ)J java.base@25.0.3
                #
                """;
        RunRecord r = ChildLauncher.record("larson", "nalloc", new ChildLauncher.Outcome(134, false, stdout, ""),
                TIMEOUT);
        assertEquals("child JVM exited with 134 without a result: JVM crash SIGSEGV (0xb) in "
                + "J 1351 c1 jdk.internal.misc.Unsafe.getLongUnaligned(Ljava/lang/Object;JZ)J java.base@25.0.3",
                r.message());
    }

    @Test
    void aTimedRunThatCompletesNothingIsAFailureNotANumber() {
        RunRecord r = ChildMain.run("glibc", new dev.nalloc.bench.workload.Workload() {
            @Override
            public String name() {
                return "idle";
            }

            @Override
            public String description() {
                return "does nothing";
            }

            @Override
            public boolean freesAcrossThreads() {
                return false;
            }

            @Override
            public dev.nalloc.bench.workload.WorkloadResult run(dev.nalloc.bench.peer.AllocatorUnderTest peer,
                                                                WorkloadSettings settings) {
                return new dev.nalloc.bench.workload.WorkloadResult(0, 50_000_000, "");
            }
        }, new WorkloadSettings(1, 1, 1, Map.of()));
        assertEquals(RunRecord.FAILED, r.status());
        assertEquals("completed no operation in 0.050 s; give it longer (scale=, or idle.seconds=)", r.message());
    }

    @Test
    void inProcessRunsSkipPeersThatCannotTakePart() {
        RunRecord r = ChildMain.run("jdk-arena", Workloads.named("larson"),
                new WorkloadSettings(2, 1, 1, Map.of("seconds", "0.02")));
        assertEquals(RunRecord.SKIPPED, r.status());
        assertEquals("jdk-arena cannot free blocks on other threads, which larson does", r.message());
        if (!dev.nalloc.bench.peer.JemallocPeer.preloaded()) {
            RunRecord j = ChildMain.run("jemalloc", Workloads.named("mleak"),
                    new WorkloadSettings(2, 1, 1, Map.of()));
            assertEquals(RunRecord.SKIPPED, j.status());
        }
    }

    @Test
    void mainJobWritesTablesCsvJsonMarkdownAndChart(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Path out = new BenchMain(new PrintStream(bytes, true, StandardCharsets.UTF_8)).run(new Args(
                "workloads=glibc-simple", "peers=glibc,jdk-arena", "jmh=false", "glibc-simple.iterations=2000",
                "out=" + dir), "workloads=glibc-simple");
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("[  1/2 "), text);
        assertTrue(text.contains("[  2/2 "), text);
        assertTrue(text.contains("glibc-simple  (relative to glibc = 1.00, higher is worse; nalloc not in this run)"),
                text);
        assertTrue(text.contains("Command:  java --enable-native-access=ALL-UNNAMED"), text);
        for (String f : List.of("workloads.csv", "headline.csv", "report.json", "report.md", "chart.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        assertEquals(3, Files.readAllLines(out.resolve("workloads.csv")).size());
    }

    @Test
    void repeatsGoRoundTheAllocatorsAndKeepOneMedianEach(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Path out = new BenchMain(new PrintStream(bytes, true, StandardCharsets.UTF_8)).run(new Args(
                "workloads=glibc-simple", "peers=glibc,jdk-arena", "jmh=false", "glibc-simple.iterations=2000",
                "repeat=3", "out=" + dir), "repeat=3");
        String text = bytes.toString(StandardCharsets.UTF_8);
        List<String> order = text.lines().filter(l -> l.startsWith("[")).map(l -> l.split("\\]\\s+")[1].split("\\s+")[1])
                .toList();
        assertEquals(List.of("glibc", "jdk-arena", "glibc", "jdk-arena", "glibc", "jdk-arena"), order, text);
        assertTrue(text.contains("repeat=3 (median)"), text);
        assertEquals(3, Files.readAllLines(out.resolve("workloads.csv")).size()); // header and one row per allocator
    }
}
