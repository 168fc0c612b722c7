package dev.nalloc.bench.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nalloc.bench.report.HeadlineRow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Runs the JMH headline (64 B malloc + free) in child JVMs with short iterations and reads the
 * JSON results. jemalloc gets its own JMH run under {@code LD_PRELOAD} (the forks inherit it).
 */
public final class JmhHeadline {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int LOCK_ATTEMPTS = 7;
    private static final Duration LOCK_WAIT = Duration.ofSeconds(10);

    /** Whether JMH gave up because another JMH run holds its lock. */
    static boolean lockedOut(ChildLauncher.Outcome outcome) {
        return (outcome.stdout() + outcome.stderr()).contains("Unable to acquire the JMH lock");
    }

    private JmhHeadline() {
    }

    /** JMH options for a quick but honest run: one fork, short warm-up and measurement. */
    public static List<String> quickOptions(Duration iteration, int iterations) {
        String t = iteration.toMillis() + "ms";
        return List.of("-f", "1", "-wi", String.valueOf(iterations), "-w", t, "-i", String.valueOf(iterations),
                "-r", t, "-prof", "gc", "-jvmArgsPrepend", String.join(" ", ChildLauncher.jvmFlags()));
    }

    /**
     * Runs the headline for {@code peers} (those in this JVM's environment) plus the Java API
     * variants, and returns their rows in the order given.
     */
    public static List<HeadlineRow> run(List<String> peers, Map<String, String> environment, boolean javaVariants,
                                        Path outDir, String tag, List<String> jmhOptions, Duration timeout)
            throws IOException, InterruptedException {
        Path json = outDir.resolve("jmh-headline-" + tag + ".json");
        List<String> args = new ArrayList<>();
        args.add(javaVariants ? "(Headline\\.mallocFree64|HeadlineDirect\\..*)" : "Headline\\.mallocFree64");
        if (!peers.isEmpty()) {
            args.add("-p");
            args.add("peer=" + String.join(",", peers));
        }
        args.addAll(jmhOptions);
        args.addAll(List.of("-rf", "json", "-rff", json.toString()));
        ChildLauncher.Outcome outcome = null;
        for (int attempt = 1; attempt <= LOCK_ATTEMPTS; attempt++) {
            // JMH refuses to run while another JMH holds its machine-wide lock; wait for it a while,
            // then run anyway (the log says so) rather than lose the headline
            List<String> flags = attempt == LOCK_ATTEMPTS ? List.of("-Djmh.ignoreLock=true") : List.of();
            outcome = ChildLauncher.run(ChildLauncher.command("org.openjdk.jmh.Main", args, flags), environment,
                    timeout);
            if (!lockedOut(outcome)) {
                break;
            }
            Thread.sleep(LOCK_WAIT.toMillis());
        }
        Files.writeString(outDir.resolve("jmh-headline-" + tag + ".log"), outcome.stdout() + outcome.stderr());
        if (!Files.exists(json)) {
            throw new IOException("JMH produced no results (exit " + outcome.exitCode() + "); see jmh-headline-"
                    + tag + ".log");
        }
        return parse(Files.readString(json));
    }

    /** The JMH benchmarks of the threads table (see {@link HeadlineRow#threads()}). */
    static final String THREADS = "(WorkerThreads\\.(pair1|pair2|pair4|pair8|churnWorker)|WorkerThreadsDirect\\..*"
            + "|VirtualThreadTasks\\.tasks|CrossThreadFree\\..*)";

    /**
     * Runs the threads benchmarks for {@code peers} (in this JVM's environment; the direct-call
     * variants too) and returns their rows.
     */
    public static List<HeadlineRow> runThreads(List<String> peers, Path outDir, List<String> jmhOptions, Duration timeout)
            throws IOException, InterruptedException {
        Path json = outDir.resolve("jmh-threads.json");
        List<String> args = new ArrayList<>();
        args.add(THREADS);
        args.add("-p");
        args.add("peer=" + String.join(",", peers));
        args.addAll(jmhOptions);
        args.addAll(List.of("-rf", "json", "-rff", json.toString()));
        ChildLauncher.Outcome outcome = ChildLauncher.run(ChildLauncher.command("org.openjdk.jmh.Main", args,
                List.of("-Djmh.ignoreLock=true")), Map.of(), timeout);
        Files.writeString(outDir.resolve("jmh-threads.log"), outcome.stdout() + outcome.stderr());
        if (!Files.exists(json)) {
            throw new IOException("JMH produced no results (exit " + outcome.exitCode() + "); see jmh-threads.log");
        }
        return parse(Files.readString(json));
    }

    /** Reads JMH's JSON result format into headline rows. */
    public static List<HeadlineRow> parse(String jmhJson) throws IOException {
        List<HeadlineRow> rows = new ArrayList<>();
        for (JsonNode result : MAPPER.readTree(jmhJson)) {
            String benchmark = result.path("benchmark").asText();
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            String peer = result.path("params").path("peer").asText(null);
            if (peer == null && method.matches("(nalloc|mimalloc)[1248]")) { // WorkerThreadsDirect
                peer = method.startsWith("nalloc") ? HeadlineRow.NALLOC_STATIC : HeadlineRow.MIMALLOC_STATIC;
                method = "pair" + method.charAt(method.length() - 1);
            }
            if (peer == null) {
                peer = variantName(method);
            }
            JsonNode primary = result.path("primaryMetric");
            double bytes = -1;
            for (Iterator<Map.Entry<String, JsonNode>> it = result.path("secondaryMetrics").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> metric = it.next();
                if (metric.getKey().endsWith("gc.alloc.rate.norm")) {
                    bytes = metric.getValue().path("score").asDouble();
                }
            }
            double error = primary.path("scoreError").asDouble(Double.NaN);
            rows.add(new HeadlineRow(peer, method, primary.path("score").asDouble(), error, bytes));
        }
        return rows;
    }

    private static String variantName(String method) {
        return switch (method) {
            case "nettyPooledDirectBuffer" -> "netty-pooled (ByteBuf)";
            case "nettyAdaptiveDirectBuffer" -> "netty-adaptive (ByteBuf)";
            case "arenaConfined" -> "Arena.ofConfined()";
            case "arenaShared" -> "Arena.ofShared()";
            case "nallocStaticFinal" -> HeadlineRow.NALLOC_STATIC;
            case "nallocField" -> HeadlineRow.NALLOC_FIELD;
            case "mimallocStatic" -> HeadlineRow.MIMALLOC_STATIC;
            default -> method;
        };
    }
}
