package dev.nalloc.spi;

import dev.nalloc.api.AllocatorMisuseException;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorHandlerTest {

    private static final String DOUBLE_FREE = ErrorKind.DOUBLE_FREE.message("block 0x1000");
    private static final String OS_FAILURE = ErrorKind.OS_FAILURE.message("munmap: EINVAL");

    @Test
    void throwingThrowsForEveryKind() {
        for (ErrorKind kind : ErrorKind.values()) {
            AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class,
                    () -> ErrorHandler.throwing().onError(kind, 0x40, kind.message("x")));
            assertEquals(kind, e.kind());
            assertEquals(0x40, e.address());
            assertEquals(kind.prefix() + ": x", e.getMessage());
        }
    }

    @Test
    void theDefaultThrowsForMisuseAndLogsOsFailures() {
        ErrorHandler handler = ErrorHandler.defaultHandler(10);
        AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class,
                () -> handler.onError(ErrorKind.DOUBLE_FREE, 0x1000, DOUBLE_FREE));
        assertEquals(ErrorKind.DOUBLE_FREE, e.kind());
        assertEquals(DOUBLE_FREE, e.getMessage());
        try (LogCapture log = LogCapture.of("dev.nalloc")) {
            assertDoesNotThrow(() -> handler.onError(ErrorKind.OS_FAILURE, 0, OS_FAILURE));
            assertDoesNotThrow(() -> handler.onError(ErrorKind.OUT_OF_MEMORY, 0, ErrorKind.OUT_OF_MEMORY.prefix()));
            assertDoesNotThrow(() -> handler.onError(ErrorKind.LEAK, 0, ErrorKind.LEAK.message("1 live block")));
            assertEquals(List.of(OS_FAILURE, "nalloc: out of memory"), log.messages(), "a leak report is not logged twice");
            assertEquals(List.of("WARN", "WARN"), log.levels());
        }
    }

    @Test
    void loggingLogsMisuseAsErrorsWithTheAddressAndTheRestAsWarnings() {
        try (LogCapture log = LogCapture.of("dev.nalloc")) {
            ErrorHandler handler = ErrorHandler.logging(10);
            handler.onError(ErrorKind.DOUBLE_FREE, 0x1000, DOUBLE_FREE);
            handler.onError(ErrorKind.OS_FAILURE, 0, OS_FAILURE);
            assertEquals(List.of(DOUBLE_FREE + " (address 0x1000)", OS_FAILURE), log.messages());
            assertEquals(List.of("ERROR", "WARN"), log.levels());
        }
    }

    @Test
    void loggingStopsAfterTheMaximumAndSaysSoOnce() {
        try (LogCapture log = LogCapture.of("dev.nalloc")) {
            ErrorHandler handler = ErrorHandler.logging(3);
            for (int i = 0; i < 10; i++) {
                handler.onError(ErrorKind.INVALID_FREE, i, ErrorKind.INVALID_FREE.message("#" + i));
            }
            assertEquals(List.of(
                    "nalloc: invalid free: #0 (address 0x0)",
                    "nalloc: invalid free: #1 (address 0x1)",
                    "nalloc: invalid free: #2 (address 0x2)",
                    "nalloc: further messages are suppressed (max 3)"), log.messages());
        }
    }

    @Test
    void loggingWithZeroMaximumLogsNothing() {
        try (LogCapture log = LogCapture.of("dev.nalloc")) {
            ErrorHandler.logging(0).onError(ErrorKind.DOUBLE_FREE, 1, DOUBLE_FREE);
            assertEquals(List.of(), log.messages());
        }
    }

    @Test
    void capturingRecordsInOrderAndClears() {
        ErrorHandler.Capturing c = ErrorHandler.capturing();
        assertNull(c.last());
        assertEquals(List.of(), c.reports());
        c.onError(ErrorKind.DOUBLE_FREE, 0x1000, DOUBLE_FREE);
        c.onError(ErrorKind.OS_FAILURE, 0, OS_FAILURE);
        assertEquals(List.of(new ErrorHandler.Report(ErrorKind.DOUBLE_FREE, 0x1000, DOUBLE_FREE),
                new ErrorHandler.Report(ErrorKind.OS_FAILURE, 0, OS_FAILURE)), c.reports());
        assertEquals(new ErrorHandler.Report(ErrorKind.OS_FAILURE, 0, OS_FAILURE), c.last());
        assertThrows(UnsupportedOperationException.class, () -> c.reports().clear());
        c.clear();
        assertEquals(List.of(), c.reports());
        assertNull(c.last());
    }

    @Test
    void capturingIsSafeForManyThreads() throws InterruptedException {
        ErrorHandler.Capturing c = ErrorHandler.capturing();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 250; i++) {
                    c.onError(ErrorKind.INVALID_FREE, i, "x");
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(1000, c.reports().size());
    }

    @Test
    @Timeout(60)
    void abortingPrintsTheMessageAndHaltsWith134() throws Exception {
        List<String> command = List.of(
                ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", childClassPath(),
                AbortingHandlerProbe.class.getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(50, TimeUnit.SECONDS));
        assertEquals(134, p.exitValue(), output);
        assertTrue(output.contains("nalloc: double free: block 0xabc0 (address 0xabc0); aborting"), output);
        assertFalse(output.contains("still running"), output);
    }

    /** The directories or jars holding this test class and the API classes, plus this JVM's paths. */
    private static String childClassPath() throws Exception {
        List<String> parts = new ArrayList<>();
        parts.add(root(AbortingHandlerProbe.class));
        parts.add(root(ErrorHandler.class));
        for (String property : new String[]{"jdk.module.path", "java.class.path"}) {
            String value = System.getProperty(property);
            if (value != null && !value.isBlank()) {
                parts.add(value);
            }
        }
        return String.join(File.pathSeparator, parts);
    }

    /** The class-path root a class was loaded from, found from its own class file. */
    private static String root(Class<?> type) throws Exception {
        String resource = type.getName().replace('.', '/') + ".class";
        URI uri = type.getResource("/" + resource).toURI();
        if (uri.getScheme().equals("jar")) {
            String jar = uri.getSchemeSpecificPart();
            return Path.of(URI.create(jar.substring(0, jar.indexOf("!/")))).toString();
        }
        String path = Path.of(uri).toString();
        return path.substring(0, path.length() - resource.length() - 1);
    }
}
