package dev.nalloc.bench.it;

import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nalloc as a user gets it: every artifact together, found with ServiceLoader, used by a small
 * program from the module path (as named modules) and from the class path, with native access
 * granted as the README says and no warning on standard error.
 */
@EnabledOnOs(value = OS.LINUX, architectures = {"amd64", "aarch64"})
class PlatformIntegrationTest {

    /** The artifacts a user puts on the path, by the module each is. */
    private static final Map<String, String> ARTIFACTS = Map.of(
            "dev.nalloc.api", "allocator-api",
            "dev.nalloc.core", "allocator-core",
            "dev.nalloc.os.linux", "allocator-os-linux",
            "dev.nalloc.os.macos", "allocator-os-macos",
            "dev.nalloc.os.windows", "allocator-os-windows",
            "org.slf4j", "slf4j-api",
            "ch.qos.logback.classic", "logback-classic",
            "ch.qos.logback.core", "logback-core");

    private static final String MAIN = """
            package smoke;

            import dev.nalloc.api.Allocator;
            import dev.nalloc.spi.OsPrimitives;
            import java.lang.foreign.Arena;
            import java.lang.foreign.MemorySegment;
            import java.lang.foreign.ValueLayout;

            public class Main {
                public static void main(String[] args) {
                    Allocator nalloc = Allocator.global();
                    long p = nalloc.malloc(100);
                    long q = nalloc.realloc(p, 5000);
                    if (q == 0 || nalloc.usableSize(q) < 5000) throw new AssertionError("realloc");
                    nalloc.free(q);
                    MemorySegment s = nalloc.allocate(64, 16);
                    s.set(ValueLayout.JAVA_LONG, 8, 42L);
                    nalloc.free(s);
                    try (Arena arena = nalloc.newArena()) {
                        arena.allocate(ValueLayout.JAVA_LONG, 100).setAtIndex(ValueLayout.JAVA_LONG, 99, 7L);
                    }
                    System.out.println("ok engine=" + nalloc.getClass().getModule().getName()
                            + " os=" + OsPrimitives.best().name()
                            + " os-module=" + OsPrimitives.best().getClass().getModule().getName());
                }
            }
            """;

    private static Map<String, Path> jars;

    @BeforeAll
    static void findArtifacts() {
        String path = System.getProperty("java.class.path") + File.pathSeparator
                + System.getProperty("jdk.module.path", "");
        List<Path> entries = Arrays.stream(path.split(File.pathSeparator))
                .filter(s -> !s.isBlank()).map(Path::of).toList();
        jars = new TreeMap<>();
        ARTIFACTS.forEach((module, artifact) -> jars.put(module, entries.stream()
                .filter(e -> matches(e, artifact)).findFirst()
                .orElseThrow(() -> new AssertionError(artifact + " is not on the test path " + entries))));
    }

    /** A jar of the artifact, or a reactor module's classes directory. */
    private static boolean matches(Path entry, String artifact) {
        String name = entry.getFileName().toString();
        if (name.startsWith(artifact + "-") && name.endsWith(".jar") && !name.contains("-tests")) {
            return name.substring(artifact.length() + 1, artifact.length() + 2).chars().allMatch(Character::isDigit);
        }
        return name.equals("classes") && entry.getParent() != null && entry.getParent().getParent() != null
                && entry.getParent().getParent().getFileName().toString().equals(artifact);
    }

    @Test
    void serviceLoaderFindsLinuxAndSaysWhyTheOthersAreUnsupported() {
        Map<String, OsPrimitives> byName = OsPrimitives.available().stream()
                .collect(Collectors.toMap(OsPrimitives::name, p -> p));
        assertEquals(List.of("linux", "macos", "windows"), byName.keySet().stream().sorted().toList());
        assertTrue(byName.get("linux").support().supported());
        String platform = System.getProperty("os.name") + "/" + System.getProperty("os.arch");
        assertEquals("requires macOS (running " + platform + ")", byName.get("macos").support().reason());
        assertEquals("requires Windows (running " + platform + ")", byName.get("windows").support().reason());
        assertEquals("linux", OsPrimitives.best().name());
    }

    @Test
    void namedModulesOnTheModulePath(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src");
        write(src.resolve("module-info.java"), "module smoke.app { requires dev.nalloc.api; }");
        write(src.resolve("smoke/Main.java"), MAIN);
        Path out = dir.resolve("out");
        String modulePath = modulePath(jars.values());
        compile("--module-path", modulePath, "-d", out.toString(),
                src.resolve("module-info.java").toString(), src.resolve("smoke/Main.java").toString());

        Result r = java("--enable-native-access=dev.nalloc.core,dev.nalloc.os.linux",
                "--module-path", modulePath + File.pathSeparator + out,
                "-m", "smoke.app/smoke.Main");
        r.assertCleanSuccess();
        assertTrue(r.stdout.contains("ok engine=dev.nalloc.core os=linux os-module=dev.nalloc.os.linux"), r.stdout);
    }

    @Test
    void theClassPath(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src");
        write(src.resolve("smoke/Main.java"), MAIN);
        Path out = dir.resolve("out");
        String classPath = modulePath(jars.values());
        compile("--class-path", classPath, "-d", out.toString(), src.resolve("smoke/Main.java").toString());

        Result r = java("--enable-native-access=ALL-UNNAMED",
                "--class-path", classPath + File.pathSeparator + out, "smoke.Main");
        r.assertCleanSuccess();
        assertTrue(r.stdout.contains("ok engine=null os=linux os-module=null"), r.stdout);
    }

    @Test
    void withoutNativeAccessTheJdkWarns(@TempDir Path dir) throws Exception {
        // The control for the two tests above: their clean standard error means something.
        Path src = dir.resolve("src");
        write(src.resolve("smoke/Main.java"), MAIN);
        Path out = dir.resolve("out");
        String classPath = modulePath(jars.values());
        compile("--class-path", classPath, "-d", out.toString(), src.resolve("smoke/Main.java").toString());

        Result r = java("--class-path", classPath + File.pathSeparator + out, "smoke.Main");
        assertEquals(0, r.exit, r.stderr);
        assertTrue(r.stderr.contains("WARNING: A restricted method"), r.stderr);
    }

    // ------------------------------------------------------------------ helpers

    private static String modulePath(java.util.Collection<Path> entries) {
        return entries.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Compiles with the javac of the JDK running the tests. */
    private static void compile(String... args) throws Exception {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Path javac = java.resolveSibling("javac");
        assertTrue(Files.isExecutable(javac), "tests run on a JDK with javac: " + javac);
        List<String> command = new ArrayList<>();
        command.add(javac.toString());
        command.addAll(List.of(args));
        Result r = run(command);
        assertEquals(0, r.exit, r.stderr + r.stdout);
    }

    private record Result(int exit, String stdout, String stderr) {
        void assertCleanSuccess() {
            assertEquals(0, exit, "exit code; stderr: " + stderr + "\nstdout: " + stdout);
            assertFalse(stderr.contains("WARNING"), "a warning on standard error:\n" + stderr);
            assertEquals("", stderr.strip(), "standard error is not empty");
        }
    }

    private static Result java(String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-Xshare:auto");
        command.addAll(List.of(args));
        return run(command);
    }

    private static Result run(List<String> command) throws Exception {
        Path out = Files.createTempFile("nalloc-it", ".out");
        Path err = Files.createTempFile("nalloc-it", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the child JVM did not finish in 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
