package dev.nalloc.examples;

import dev.nalloc.api.Allocator;
import dev.nalloc.spi.AllocatorProvider;
import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** examples/HelloNalloc.java runs with the java launcher alone, on exactly the four jars its comment names. */
class OneFileExampleTest {

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    @Timeout(180)
    void helloNallocRunsFromItsSourceFile() throws Exception {
        String classPath = Stream.of(
                        location(Allocator.class),                                                     // allocator-api
                        location(ServiceLoader.load(AllocatorProvider.class).findFirst().orElseThrow().getClass()), // allocator-core
                        location(OsPrimitives.best().getClass()),                                      // the OS layer
                        location(org.slf4j.LoggerFactory.class))                                       // slf4j-api
                .collect(Collectors.joining(File.pathSeparator));
        Path out = Files.createTempFile("hello-nalloc", ".txt");
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", classPath, "HelloNalloc.java")
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertTrue(p.waitFor(150, TimeUnit.SECONDS), "the source launcher did not finish");
            String output = Files.readString(out);
            assertEquals(0, p.exitValue(), () -> output);
            assertTrue(output.contains("sum of squares 643250, live blocks 1"), () -> output);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
