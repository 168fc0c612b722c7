package dev.nalloc.bench.report;

import java.util.List;

/** A small recorded comparison used by the writer tests. */
final class RecordedData {

    private RecordedData() {
    }

    static final MachineInfo MACHINE = new MachineInfo("AMD EPYC", 2, 24L << 30, "Linux 6.1 amd64",
            "OpenJDK 64-Bit Server VM 25.0.3", "2026-11-21T05:00:00Z");

    static List<RunRecord> runs() {
        return List.of(
                new RunRecord("larson", "nalloc", RunRecord.OK, "", 1_000_000, 10_000_000, 100L << 20, 60L << 20,
                        40L << 20, 2L << 20, 3L << 20, "3 thread hand-offs"),
                new RunRecord("larson", "glibc", RunRecord.OK, "", 500_000, 10_000_000, 150L << 20, 60L << 20,
                        90L << 20, 1L << 20, 5L << 20, "1 thread hand-offs"),
                new RunRecord("larson", "jdk-arena", RunRecord.SKIPPED, "jdk-arena cannot free blocks on other threads",
                        0, 0, -1, -1, -1, -1, -1, ""),
                new RunRecord("mleak", "nalloc", RunRecord.FAILED, "memory corruption: block 0x10, \"bad\"", 0, 0,
                        -1, -1, -1, -1, -1, ""),
                new RunRecord("mleak", "glibc", RunRecord.OK, "", 1000, 2_000_000, 80L << 20, 60L << 20, -1, 0, 0, ""),
                new RunRecord("mleak", "mimalloc", RunRecord.OK, "", 1000, 1_000_000, 40L << 20, 60L << 20, -1, 0, 0,
                        ""));
    }

    static List<HeadlineRow> headline() {
        return List.of(new HeadlineRow("nalloc", "mallocFree64", 4.0, 0.1, 0.0),
                new HeadlineRow("mimalloc", "mallocFree64", 10.0, 0.5, 0.0),
                new HeadlineRow("netty-pooled (ByteBuf)", "nettyPooledDirectBuffer", 70.0, 2.0, 0.0));
    }

    static BenchReport report() {
        return new BenchReport(MACHINE, "mvn -B -q install -DskipTests -Pbench", "threads=2 scale=1",
                List.of(new PeerInfo("nalloc", "Nalloc FAST", "Nalloc allocator-core-0.1.0-SNAPSHOT.jar", ""),
                        new PeerInfo("glibc", "glibc malloc via FFM", "glibc 2.36", ""),
                        new PeerInfo("tcmalloc", "tcmalloc via FFM", "", "tcmalloc: skipped — its library is not installed")),
                runs(), headline());
    }
}
