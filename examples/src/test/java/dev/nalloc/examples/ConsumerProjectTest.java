package dev.nalloc.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A separate modular project ({@code examples/consumer}: {@code requires dev.nalloc.api}) built by
 * the Maven that runs this build, on the JDK that runs it (17 in CI), against the artifacts of this
 * build, with exactly the configuration docs/usage.md gives: it compiles, its tests pass on the
 * module path without native-access warnings, and its jar runs with native access denied to it.
 * The consumer's Maven reads third-party artifacts from this build's local repository as a file
 * repository (nothing is downloaded) and gets Nalloc's own in a fresh local repository under target/.
 */
@EnabledOnOs(OS.LINUX)   // the consumer depends on allocator-os-linux; mvn.cmd elsewhere
class ConsumerProjectTest {

    private static final Path ROOT = Path.of("..");
    private static final Path CONSUMER = Path.of("consumer");
    private static final String[] MODULES = {"allocator-api", "allocator-core", "allocator-os-linux"};

    /** The consumer's plugin and JUnit versions are the ones this build uses (so upgrades reach the docs). */
    private static final Map<String, String> VERSION_PROPERTIES = Map.of(
            "maven-toolchains-plugin", "toolchains.plugin.version",
            "maven-compiler-plugin", "compiler.plugin.version",
            "maven-surefire-plugin", "surefire.plugin.version",
            "maven-resources-plugin", "resources.plugin.version",
            "maven-jar-plugin", "jar.plugin.version",
            "junit-jupiter", "junit.version");

    private static String property(String name) {
        String value = System.getProperty(name);
        assertTrue(value != null && !value.isBlank(), () -> "surefire passes " + name);
        return value;
    }

    @Test
    void theConsumerUsesThisBuildsVersions() throws IOException {
        String rootPom = Files.readString(ROOT.resolve("pom.xml"));
        String consumerPom = Files.readString(CONSUMER.resolve("pom.xml"));
        for (Map.Entry<String, String> e : VERSION_PROPERTIES.entrySet()) {
            Matcher ours = Pattern.compile("<" + Pattern.quote(e.getValue()) + ">([^<]+)<").matcher(rootPom);
            assertTrue(ours.find(), e.getValue());
            Matcher theirs = Pattern.compile("<artifactId>" + Pattern.quote(e.getKey()) + "</artifactId>\\s*<version>([^<]+)<")
                    .matcher(consumerPom);
            assertTrue(theirs.find(), () -> "examples/consumer/pom.xml pins " + e.getKey());
            assertEquals(ours.group(1), theirs.group(1), e.getKey() + " in examples/consumer/pom.xml");
        }
        Matcher bom = Pattern.compile("<artifactId>allocator-bom</artifactId>\\s*<version>([^<]+)<").matcher(consumerPom);
        assertTrue(bom.find(), "examples/consumer/pom.xml imports the BOM");
        assertEquals(property("nalloc.version"), bom.group(1), "the BOM version in examples/consumer/pom.xml");
        assertEquals(Files.readString(ROOT.resolve(".mvn/jvm.config")), Files.readString(CONSUMER.resolve(".mvn/jvm.config")),
                "the consumer's .mvn/jvm.config is the project's");
    }

    @Test
    @Timeout(900)
    void aModularConsumerBuildsTestsAndRuns() throws Exception {
        String version = property("nalloc.version");
        Path work = Path.of("target", "consumer-it").toAbsolutePath();
        deleteTree(work);
        Path repo = work.resolve("repository");
        Path project = work.resolve("project");
        copyTree(CONSUMER, project);

        // Nalloc's artifacts as `mvn install` would leave them: jars of this build, and their POMs.
        List<Path> modulePath = new ArrayList<>();
        for (String module : MODULES) {
            Path dir = Files.createDirectories(repo.resolve("dev/nalloc/" + module + "/" + version));
            Path jar = dir.resolve(module + "-" + version + ".jar");
            packOrCopy(onTestPath(module), jar);
            Files.copy(ROOT.resolve(module + "/pom.xml"), dir.resolve(module + "-" + version + ".pom"));
            modulePath.add(jar);
        }
        for (String[] pom : new String[][] {{"nalloc-parent", "pom.xml"}, {"allocator-bom", "allocator-bom/pom.xml"}}) {
            Path dir = Files.createDirectories(repo.resolve("dev/nalloc/" + pom[0] + "/" + version));
            Files.copy(ROOT.resolve(pom[1]), dir.resolve(pom[0] + "-" + version + ".pom"));
        }
        // Everything else from this build's local repository, read as a remote one.
        String central = Path.of(property("nalloc.local.repo")).toUri().toString();
        Path settings = work.resolve("settings.xml");
        Files.writeString(settings, """
                <settings>
                  <mirrors><mirror><id>local</id><mirrorOf>*</mirrorOf><url>%1$s</url></mirror></mirrors>
                  <profiles><profile><id>local</id>
                    <repositories><repository><id>central</id><url>%1$s</url>
                      <releases><checksumPolicy>ignore</checksumPolicy></releases><snapshots><enabled>false</enabled></snapshots>
                    </repository></repositories>
                    <pluginRepositories><pluginRepository><id>central</id><url>%1$s</url>
                      <releases><checksumPolicy>ignore</checksumPolicy></releases><snapshots><enabled>false</enabled></snapshots>
                    </pluginRepository></pluginRepositories>
                  </profile></profiles>
                  <activeProfiles><activeProfile>local</activeProfile></activeProfiles>
                </settings>
                """.formatted(central));

        Path log = work.resolve("build.log");
        ProcessBuilder mvn = new ProcessBuilder(Path.of(property("nalloc.maven.home"), "bin", "mvn").toString(),
                "-B", "-s", settings.toString(), "-Dmaven.repo.local=" + repo, "verify")
                .directory(project.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        mvn.environment().put("JAVA_HOME", property("nalloc.maven.java.home"));   // the JDK this build's Maven runs on
        mvn.environment().remove("MAVEN_ARGS");
        Process build = mvn.start();
        assertTrue(build.waitFor(600, TimeUnit.SECONDS), "the consumer's build did not finish");
        String output = Files.readString(log);
        assertEquals(0, build.exitValue(), () -> "the consumer's build failed:\n" + output);
        assertTrue(output.contains("Tests run: 2, Failures: 0, Errors: 0, Skipped: 0"), () -> output);
        assertFalse(output.contains("restricted method") || output.contains("Unknown module"), () -> "a JVM warning:\n" + output);

        // Its jar on the module path, native access for the engine and the OS layer only.
        modulePath.add(0, project.resolve("target/nalloc-consumer-1.0.jar"));
        modulePath.add(onTestPath("slf4j-api"));
        Path runLog = work.resolve("run.log");
        Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--illegal-native-access=deny", "--enable-native-access=dev.nalloc.core,dev.nalloc.os.linux",
                "-p", String.join(File.pathSeparator, modulePath.stream().map(Path::toString).toList()),
                "-m", "com.example.app/com.example.app.App")
                .redirectErrorStream(true).redirectOutput(runLog.toFile()).start();
        assertTrue(run.waitFor(120, TimeUnit.SECONDS), "the consumer did not finish");
        String ran = Files.readString(runLog);
        assertEquals(0, run.exitValue(), () -> "the consumer failed:\n" + ran);
        assertTrue(ran.contains("com.example.app read 42 from global"), () -> ran);
        assertFalse(ran.contains("WARNING"), () -> ran);
    }

    /** The jar (or, after `mvn test` alone, the classes directory) of an artifact on this test's path. */
    private static Path onTestPath(String artifact) {
        Pattern name = Pattern.compile(Pattern.quote(artifact) + "-[0-9][^/]*\\.jar");
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (name.matcher(p.getFileName().toString()).matches()
                    || p.endsWith(Path.of(artifact, "target", "classes"))) {
                return p;
            }
        }
        throw new AssertionError(artifact + " is not on the test path: " + System.getProperty("java.class.path"));
    }

    private static void packOrCopy(Path from, Path jar) throws IOException {
        if (Files.isRegularFile(from)) {
            Files.copy(from, jar);
            return;
        }
        StringWriter errors = new StringWriter();
        int status = ToolProvider.findFirst("jar").orElseThrow().run(new PrintWriter(errors), new PrintWriter(errors),
                "--create", "--file", jar.toString(), "-C", from.toString(), ".");
        assertEquals(0, status, errors::toString);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path relative = from.relativize(f);
                if (relative.startsWith("target")) {
                    continue;                                   // a build of the consumer in place
                }
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to.resolve(relative.toString()));
                } else {
                    Files.copy(f, to.resolve(relative.toString()));
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(f);
            }
        }
    }
}
