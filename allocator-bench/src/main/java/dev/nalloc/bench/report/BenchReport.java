package dev.nalloc.bench.report;

import java.util.List;

/**
 * Everything one comparison produced: where it ran, with what, what came out.
 *
 * @param machine   the machine and JVM
 * @param command   the command line that reproduces the run
 * @param settings  the workload settings (threads, scale, seed, overrides) as text
 * @param peers     every allocator considered, with versions and skip lines
 * @param runs      the workload runs
 * @param headline  the JMH headline results (may be empty)
 */
public record BenchReport(MachineInfo machine, String command, String settings, List<PeerInfo> peers,
                          List<RunRecord> runs, List<HeadlineRow> headline) {

    public static final String BASELINE = "nalloc";

    public BenchReport {
        peers = List.copyOf(peers);
        runs = List.copyOf(runs);
        headline = List.copyOf(headline);
    }

    public Comparison comparison() {
        return new Comparison(runs, BASELINE);
    }
}
