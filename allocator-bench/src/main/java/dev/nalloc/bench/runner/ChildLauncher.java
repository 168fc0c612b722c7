package dev.nalloc.bench.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nalloc.bench.report.RunRecord;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Starts child JVMs with the same java binary, class path and flags as this one, so every
 * allocator runs under identical conditions (jemalloc's children only add {@code LD_PRELOAD}).
 */
public final class ChildLauncher {

    /** Flags of every child JVM (and of JMH forks). */
    public static final List<String> JVM_FLAGS = List.of("--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow", "-XX:MaxDirectMemorySize=16g",
            "-Dio.netty.leakDetection.level=disabled", "-Djava.awt.headless=true");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ChildLauncher() {
    }

    /** This JVM's java executable. */
    public static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Everything this JVM can load from, as one class path (module path entries included). */
    public static String classPath() {
        List<String> entries = new ArrayList<>();
        for (String property : List.of("java.class.path", "jdk.module.path")) {
            String value = System.getProperty(property);
            if (value != null && !value.isBlank()) {
                entries.add(value);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** The JVM flags plus Nalloc options given to this JVM as {@code -Dnalloc.*} properties. */
    public static List<String> jvmFlags() {
        List<String> flags = new ArrayList<>(JVM_FLAGS);
        System.getProperties().forEach((k, v) -> {
            if (k.toString().startsWith("nalloc.")) {
                flags.add("-D" + k + "=" + v);
            }
        });
        return flags;
    }

    /** The full command of a child running {@code mainClass} with {@code args}. */
    public static List<String> command(String mainClass, List<String> args) {
        return command(mainClass, args, List.of());
    }

    /** The same with extra JVM flags (e.g. where crash logs go). */
    public static List<String> command(String mainClass, List<String> args, List<String> extraFlags) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.addAll(jvmFlags());
        cmd.addAll(extraFlags);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /** What a finished child left behind. */
    public record Outcome(int exitCode, boolean timedOut, String stdout, String stderr) {
    }

    /** Runs a child to completion (or kills it at the timeout) and captures its output. */
    public static Outcome run(List<String> command, Map<String, String> environment, Duration timeout)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(environment);
        Path errors = Files.createTempFile("nalloc-bench-child", ".err");
        pb.redirectError(errors.toFile());
        Process process = pb.start();
        process.getOutputStream().close();
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
        }
        String out = stdout.join();
        String err = Files.readString(errors);
        Files.deleteIfExists(errors);
        return new Outcome(finished ? process.exitValue() : -1, !finished, out, err);
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Turns a workload child's outcome into its record: the child's own result line if it printed
     * one, else a failure that says how the child died.
     */
    public static RunRecord record(String workload, String peer, Outcome outcome, Duration timeout) {
        for (String line : outcome.stdout().split("\n")) {
            if (line.startsWith(ChildMain.RESULT_PREFIX)) {
                try {
                    return MAPPER.readValue(line.substring(ChildMain.RESULT_PREFIX.length()), RunRecord.class);
                } catch (IOException e) {
                    return RunRecord.failed(workload, peer, "unreadable result line: " + e.getMessage());
                }
            }
        }
        if (outcome.timedOut()) {
            return RunRecord.failed(workload, peer, "timed out after " + timeout.toSeconds() + " s");
        }
        String crash = crashSummary(outcome.stdout());
        return RunRecord.failed(workload, peer, "child JVM exited with " + outcome.exitCode() + " without a result"
                + (crash.isEmpty() ? lastLines(outcome.stderr()) : ": " + crash));
    }

    /** The signal and the problematic frame of a JVM crash report printed on stdout, if any. */
    static String crashSummary(String stdout) {
        String[] lines = stdout.split("\n");
        String signal = "";
        String frame = "";
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (signal.isEmpty() && line.matches("#\\s+(SIG[A-Z]+|EXCEPTION_[A-Z_]+) .*")) {
                signal = line.substring(1).strip();
                int cut = signal.indexOf(" at pc=");
                signal = cut > 0 ? signal.substring(0, cut) : signal;
            }
            if (line.startsWith("# Problematic frame:") && i + 1 < lines.length) {
                frame = lines[i + 1].substring(1).strip();
            }
        }
        if (signal.isEmpty()) {
            return "";
        }
        return "JVM crash " + signal + (frame.isEmpty() ? "" : " in " + frame);
    }

    private static String lastLines(String text) {
        String[] lines = text.strip().split("\n");
        if (lines.length == 0 || lines[0].isBlank()) {
            return "";
        }
        int from = Math.max(0, lines.length - 3);
        return ": " + String.join(" / ", List.of(lines).subList(from, lines.length));
    }
}
