package dev.nalloc.core;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a probe class's {@code main(scenario)} in a child JVM on this test's class path, for the
 * tests whose scenarios are expected to kill the process (guard-page faults, the aborting error
 * handler, memory unmapped under a running thread).
 */
public final class ProbeJvm {

    /**
     * What the child did.
     *
     * @param exitCode    its exit status
     * @param output      standard output and error together
     * @param errorReport HotSpot's fatal error report ({@code hs_err}), empty when there is none
     */
    public record Result(int exitCode, String output, String errorReport) {
        @Override
        public String toString() {
            return "exit " + exitCode + ", output:\n" + output
                    + (errorReport.isEmpty() ? "" : "\nerror report:\n" + errorReport);
        }
    }

    private ProbeJvm() {
    }

    /**
     * Runs {@code probe} with {@code scenario} (its words are the probe's arguments), the JVM given
     * {@code jvmArgs} too (after the defaults, so {@code -Xmx24m} wins); fails when the child has not
     * ended within 10 minutes (generous: the fault-injection probes take minutes on a loaded 2-core
     * machine; the limit only catches a hang).
     */
    public static Result run(Class<?> probe, String scenario, String... jvmArgs) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("nalloc-probe");
        List<String> cp = new ArrayList<>();
        for (String property : new String[]{"jdk.module.path", "java.class.path"}) {
            String value = System.getProperty(property);
            if (value != null && !value.isBlank()) {
                cp.add(value);
            }
        }
        Path report = dir.resolve("hs_err.log");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command()
                        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-Xmx64m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + report));
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of("-cp", String.join(File.pathSeparator, cp), probe.getName()));
        command.addAll(List.of(scenario.split(" ")));
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            long limit = 600 + Soak.seconds(); // a soak run (-Dnalloc.soak) runs its probes that much longer
            if (!p.waitFor(limit, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("the probe JVM did not finish in " + limit + " s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
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
}
