package dev.nalloc.bench.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nalloc.bench.peer.AllocatorUnderTest;
import dev.nalloc.bench.peer.PeerUnavailableException;
import dev.nalloc.bench.peer.Peers;
import dev.nalloc.bench.report.RunRecord;
import dev.nalloc.bench.workload.Workload;
import dev.nalloc.bench.workload.WorkloadResult;
import dev.nalloc.bench.workload.WorkloadSettings;
import dev.nalloc.bench.workload.Workloads;

import java.util.Locale;

/**
 * Runs ONE workload against ONE allocator in a fresh JVM and prints its {@link RunRecord} as a
 * single JSON line prefixed with {@link #RESULT_PREFIX}, so peak RSS and warm-up belong to that
 * allocator alone. Arguments: {@code peer=NAME workload=NAME threads=N scale=X seed=S param.K=V...}.
 */
public final class ChildMain {

    public static final String RESULT_PREFIX = "NALLOC-BENCH-RESULT ";

    private ChildMain() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String peerName = args.get("peer", "nalloc");
        Workload workload = Workloads.named(args.get("workload", "larson"));
        WorkloadSettings settings = new WorkloadSettings(
                Integer.parseInt(args.get("threads", String.valueOf(Runtime.getRuntime().availableProcessors()))),
                Double.parseDouble(args.get("scale", "1")), Long.parseLong(args.get("seed", "4141")),
                args.withPrefix("param."));
        RunRecord record = run(peerName, workload, settings);
        System.out.println(RESULT_PREFIX + new ObjectMapper().writeValueAsString(record));
        System.out.flush();
        System.exit(record.ok() || record.status().equals(RunRecord.SKIPPED) ? 0 : 2);
    }

    /** Runs in this JVM and measures; never throws for allocator or workload failures. */
    public static RunRecord run(String peerName, Workload workload, WorkloadSettings settings) {
        long heapBase = HeapMeter.liveAfterGc(); // before the allocator exists: what it holds comes on top
        AllocatorUnderTest peer;
        try {
            peer = Peers.open(peerName);
        } catch (PeerUnavailableException e) {
            return RunRecord.skipped(workload.name(), peerName, e.getMessage());
        }
        if (workload.freesAcrossThreads() && !peer.freesFromAnyThread()) {
            return RunRecord.skipped(workload.name(), peerName,
                    peerName + " cannot free blocks on other threads, which " + workload.name() + " does");
        }
        long startRss = ProcStatus.rssBytes();
        try (peer; CommitSampler sampler = new CommitSampler(peer)) {
            WorkloadResult result = workload.run(peer, settings);
            sampler.close();
            long peakRss = ProcStatus.peakRssBytes(); // before the collection below can touch memory
            long heapHeld = Math.max(0, HeapMeter.liveAfterGc() - heapBase); // the allocator is still open
            long heapPeak = Math.max(heapHeld, sampler.heapPeak() - heapBase);
            if (result.operations() == 0) {
                return RunRecord.failed(workload.name(), peerName, String.format(Locale.ROOT,
                        "completed no operation in %.3f s; give it longer (scale=, or %s.seconds=)", result.seconds(),
                        workload.name()));
            }
            return new RunRecord(workload.name(), peerName, RunRecord.OK, "", result.operations(),
                    result.elapsedNanos(), peakRss, startRss, sampler.peak(), heapHeld, heapPeak, result.detail());
        } catch (Throwable e) {
            return RunRecord.failed(workload.name(), peerName, e.toString());
        }
    }
}
