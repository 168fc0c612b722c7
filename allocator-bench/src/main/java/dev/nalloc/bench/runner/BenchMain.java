package dev.nalloc.bench.runner;

import dev.nalloc.bench.peer.PeerSpec;
import dev.nalloc.bench.peer.Peers;
import dev.nalloc.bench.report.BenchReport;
import dev.nalloc.bench.report.ChartReport;
import dev.nalloc.bench.report.CsvReport;
import dev.nalloc.bench.report.HeadlineRow;
import dev.nalloc.bench.report.JsonReport;
import dev.nalloc.bench.report.MachineInfo;
import dev.nalloc.bench.report.MarkdownReport;
import dev.nalloc.bench.report.PeerInfo;
import dev.nalloc.bench.report.RunRecord;
import dev.nalloc.bench.report.TextReport;
import dev.nalloc.bench.report.Units;
import dev.nalloc.bench.workload.Workload;
import dev.nalloc.bench.workload.Workloads;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The main job: runs every workload against every allocator, each in a fresh child JVM, then a
 * short JMH headline, prints a table per workload relative to Nalloc and writes CSV, JSON,
 * Markdown and a PNG chart into {@code results/<timestamp>/}.
 *
 * <p>Arguments ({@code key=value}): {@code workloads=a,b} (default all), {@code peers=a,b}
 * (default all but jdk-arena-shared), {@code threads=N} (default: processors), {@code scale=X}
 * (default 1), {@code seed=S}, {@code timeout=SECONDS} per child (default 180), {@code jmh=false}
 * to skip the headline, {@code jmh-iteration-ms=400}, {@code jmh-iterations=4},
 * {@code repeat=N} (runs each pair N times and keeps the median), {@code out=DIR}, and workload parameters as {@code <workload>.<param>=V}
 * (e.g. {@code larson.seconds=2 mstress.iterations=20}); {@code list=true} lists the names.
 */
public final class BenchMain {

    private final PrintStream out;

    BenchMain(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] argv) throws Exception {
        if (Runtime.version().feature() < 25) {
            System.err.println("The benchmark needs JDK 25 or later; this is " + Runtime.version());
            System.exit(1);
        }
        Path results = new BenchMain(System.out).run(new Args(argv), String.join(" ", argv));
        if (results != null) {
            System.out.println("Results written to " + results.toAbsolutePath());
        }
    }

    /** Runs the comparison; returns the results folder (null when only listing names). */
    Path run(Args args, String argLine) throws IOException, InterruptedException {
        if (Boolean.parseBoolean(args.get("list", "false"))) {
            out.println("workloads: " + Workloads.all().stream().map(Workload::name).toList());
            out.println("allocators: " + Peers.all().stream().map(PeerSpec::name).toList());
            return null;
        }
        MachineInfo machine = MachineInfo.detect();
        List<Workload> workloads = selectWorkloads(args.get("workloads", "all"));
        List<PeerSpec> selected = selectPeers(args.get("peers", "default"));
        int threads = Integer.parseInt(args.get("threads", String.valueOf(machine.cores())));
        String scale = args.get("scale", "1");
        String seed = args.get("seed", "4141");
        Duration timeout = Duration.ofSeconds(Long.parseLong(args.get("timeout", "180")));
        Path outDir = Path.of(args.get("out", "results/"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
        Files.createDirectories(outDir);

        out.println("Nalloc benchmark on " + machine.summary());
        out.println("Java: " + ChildLauncher.javaExecutable());
        List<PeerInfo> peerInfos = new ArrayList<>();
        List<PeerSpec> available = new ArrayList<>();
        for (PeerSpec spec : selected) {
            String skip = spec.skipLine().orElse("");
            if (!skip.isEmpty()) {
                out.println(skip);
            } else {
                available.add(spec);
            }
            peerInfos.add(new PeerInfo(spec.name(), spec.description(), skip.isEmpty() ? spec.version().get() : "",
                    skip));
        }

        // a crashing allocator's JVM error report lands next to the results, not in the working directory
        List<String> crashLogs = List.of("-XX:ErrorFile=" + outDir.toAbsolutePath().resolve("hs_err_pid%p.log"));
        List<RunRecord> runs = new ArrayList<>();
        int repeat = Integer.parseInt(args.get("repeat", "1"));
        int total = workloads.size() * available.size() * repeat;
        int done = 0;
        long started = System.nanoTime();
        out.printf(Locale.ROOT, "Running %d workloads x %d allocators%s = %d child JVMs (threads=%d, scale=%s)%n",
                workloads.size(), available.size(), repeat > 1 ? " x " + repeat + " repeats" : "", total, threads,
                scale);
        for (Workload workload : workloads) {
            // Repeats go round the allocators (a b c, a b c, ...), not one allocator's runs back to
            // back: every allocator meets the machine's slow and fast moments alike, so the ratios
            // of the medians are not skewed by when each allocator happened to run.
            List<List<RunRecord>> attempts = new ArrayList<>();
            List<List<String>> commands = new ArrayList<>();
            for (PeerSpec peer : available) {
                List<String> childArgs = new ArrayList<>(List.of("peer=" + peer.name(), "workload=" + workload.name(),
                        "threads=" + threads, "scale=" + scale, "seed=" + seed));
                args.withPrefix(workload.name() + ".").forEach((k, v) -> childArgs.add("param." + k + "=" + v));
                commands.add(ChildLauncher.command(ChildMain.class.getName(), childArgs, crashLogs));
                attempts.add(new ArrayList<>());
            }
            for (int r = 0; r < repeat; r++) {
                for (int i = 0; i < available.size(); i++) {
                    PeerSpec peer = available.get(i);
                    ChildLauncher.Outcome outcome = ChildLauncher.run(commands.get(i), peer.childEnvironment(), timeout);
                    RunRecord record = ChildLauncher.record(workload.name(), peer.name(), outcome, timeout);
                    attempts.get(i).add(record);
                    done++;
                    progress(done, total, started, record);
                }
            }
            attempts.forEach(a -> runs.add(median(a)));
        }

        List<HeadlineRow> headline = List.of();
        if (Boolean.parseBoolean(args.get("jmh", "true")) && !available.isEmpty()) {
            headline = headline(args, available, outDir, timeout);
        }
        String launcher = System.getProperty("bench.command");
        String command = launcher != null
                ? launcher + (argLine.isBlank() ? "" : " -Dbench.args=\"" + argLine + "\"")
                : "java " + String.join(" ", ChildLauncher.JVM_FLAGS) + " -cp <class path> " + BenchMain.class.getName()
                + (argLine.isBlank() ? "" : " " + argLine);
        String settings = String.format(Locale.ROOT, "threads=%d scale=%s seed=%s repeat=%d (median) workloads=%s overrides=%s source=%s",
                threads, scale, seed, repeat, workloads.stream().map(Workload::name).toList(), overrides(args, workloads),
                sourceRevision());
        BenchReport report = new BenchReport(machine, command, settings, peerInfos, runs, headline);
        out.println();
        TextReport.write(report, out);
        CsvReport.write(report, outDir.resolve("workloads.csv"), outDir.resolve("headline.csv"));
        JsonReport.write(report, outDir.resolve("report.json"));
        MarkdownReport.write(report, outDir.resolve("report.md"));
        ChartReport.write(report, outDir.resolve("chart.png"));
        return outDir;
    }

    /** The allocators of the threads table: Nalloc and the natives called through FFM. */
    private static final List<String> THREAD_PEERS = List.of("nalloc", "mimalloc", "glibc", "tcmalloc");

    private List<HeadlineRow> headline(Args args, List<PeerSpec> available, Path outDir, Duration timeout) {
        List<String> options = JmhHeadline.quickOptions(
                Duration.ofMillis(Long.parseLong(args.get("jmh-iteration-ms", "400"))),
                Integer.parseInt(args.get("jmh-iterations", "4")));
        List<String> here = available.stream().filter(p -> p.childEnvironment().isEmpty()).map(PeerSpec::name).toList();
        List<HeadlineRow> rows = new ArrayList<>();
        out.println("JMH headline (64 B malloc + free, 1 thread) for " + here + " and the Java API variants ...");
        runHeadline(rows, () -> JmhHeadline.run(here, Map.of(), true, outDir, "main", options, timeout.multipliedBy(4)));
        for (PeerSpec preloaded : available.stream().filter(p -> !p.childEnvironment().isEmpty()).toList()) {
            out.println("JMH headline for " + preloaded.name() + " (child JVM with " + preloaded.childEnvironment()
                    + ") ...");
            runHeadline(rows, () -> JmhHeadline.run(List.of(preloaded.name()), preloaded.childEnvironment(), false,
                    outDir, preloaded.name(), options, timeout));
        }
        List<String> threadPeers = here.stream().filter(THREAD_PEERS::contains).toList();
        if (!threadPeers.isEmpty() && !args.get("jmh-threads", "true").equals("false")) {
            out.println("JMH threads (the pair on 1, 2, 4, 8 workers and on virtual threads, larson's loop on a worker, "
                    + "cross-thread free) for " + threadPeers + " ...");
            runHeadline(rows, () -> JmhHeadline.runThreads(threadPeers, outDir, options, timeout.multipliedBy(6)));
        }
        List<String> order = available.stream().map(PeerSpec::name).toList();
        rows.sort((a, b) -> Integer.compare(rank(order, a.peer()), rank(order, b.peer())));
        return rows;
    }

    /**
     * The run that represents repeated attempts: the first failure if any failed (a failure is
     * never averaged away), else the median by time per operation.
     */
    static RunRecord median(List<RunRecord> attempts) {
        for (RunRecord r : attempts) {
            if (!r.ok()) {
                return r;
            }
        }
        List<RunRecord> sorted = new ArrayList<>(attempts);
        sorted.sort(java.util.Comparator.comparingDouble(RunRecord::nanosPerOperation));
        return sorted.get((sorted.size() - 1) / 2);
    }

    /** The git revision of the working directory (the repository root under -Pbench), if there is one. */
    static String sourceRevision() {
        try {
            Process p = new ProcessBuilder("git", "describe", "--always", "--dirty").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 && !out.isEmpty() ? "git " + out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** One JMH run of the headline; its failure is reported and does not stop the others. */
    private interface HeadlineRun {
        List<HeadlineRow> run() throws IOException, InterruptedException;
    }

    private void runHeadline(List<HeadlineRow> rows, HeadlineRun run) {
        try {
            rows.addAll(run.run());
        } catch (IOException e) {
            out.println("JMH headline failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int rank(List<String> order, String peer) {
        int i = order.indexOf(peer);
        return i < 0 ? order.size() : i;
    }

    private void progress(int done, int total, long started, RunRecord r) {
        double elapsed = (System.nanoTime() - started) / 1e9;
        double left = elapsed / done * (total - done);
        String what = r.ok()
                ? String.format(Locale.ROOT, "%7.3f s %8.1f ns/op  peak RSS %s", r.seconds(), r.nanosPerOperation(),
                Units.bytes(r.peakRssBytes()))
                : r.status().toUpperCase(Locale.ROOT) + ": " + r.message();
        out.printf(Locale.ROOT, "[%3d/%d %s elapsed, ~%s left] %-13s %-15s %s%n", done, total, clock(elapsed),
                clock(left), r.workload(), r.peer(), what);
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private static Map<String, String> overrides(Args args, List<Workload> workloads) {
        Map<String, String> o = new java.util.TreeMap<>();
        for (Workload w : workloads) {
            args.withPrefix(w.name() + ".").forEach((k, v) -> o.put(w.name() + "." + k, v));
        }
        return o;
    }

    static List<Workload> selectWorkloads(String names) {
        if (names.equals("all")) {
            return Workloads.all();
        }
        return Arrays.stream(names.split(",")).map(String::trim).map(Workloads::named).toList();
    }

    static List<PeerSpec> selectPeers(String names) {
        if (names.equals("default")) {
            return Peers.all().stream().filter(PeerSpec::inWorkloads).toList();
        }
        if (names.equals("all")) {
            return Peers.all();
        }
        return Arrays.stream(names.split(",")).map(String::trim).map(Peers::named).toList();
    }
}
