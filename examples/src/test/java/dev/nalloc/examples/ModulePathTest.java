package dev.nalloc.examples;

import dev.nalloc.examples.cache.CacheExample;
import dev.nalloc.examples.os.MyOsExample;
import dev.nalloc.examples.server.VirtualThreadServer;
import dev.nalloc.examples.stats.StatsExample;
import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The examples as a modular application: in this JVM, and in one whose own module has no native access. */
class ModulePathTest {

    @Test
    void theExamplesRunOnTheModulePath() throws Exception {
        assertTrue(CacheExample.class.getModule().isNamed(), "surefire runs this module on the module path");
        Examples.runAll();
    }

    @Test
    @Timeout(300)
    void theExamplesNeedNoNativeAccessOfTheirOwn() throws Exception {
        String modulePath = System.getProperty("jdk.module.path");
        assertTrue(modulePath != null && !modulePath.isBlank(), "on the module path");
        String osModule = OsPrimitives.best().getClass().getModule().getName();
        for (Class<?> main : List.of(CacheExample.class, StatsExample.class, MyOsExample.class, VirtualThreadServer.class)) {
            Path out = Files.createTempFile("nalloc-example", ".txt");
            try {
                Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--illegal-native-access=deny",                          // any restricted call of another module fails
                        "--enable-native-access=dev.nalloc.core," + osModule,    // the engine's and the OS layer's only
                        "-p", modulePath, "-m", "dev.nalloc.examples/" + main.getName())
                        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
                assertTrue(p.waitFor(240, TimeUnit.SECONDS), main + " did not finish");
                String output = Files.readString(out);
                assertEquals(0, p.exitValue(), () -> main + " failed:\n" + output);
                assertTrue(output.contains("example done"), () -> output);
                assertFalse(output.contains("WARNING"), () -> "a warning:\n" + output);
            } finally {
                Files.deleteIfExists(out);
            }
        }
    }
}
