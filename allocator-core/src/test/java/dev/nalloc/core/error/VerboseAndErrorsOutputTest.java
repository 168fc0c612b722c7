package dev.nalloc.core.error;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.nalloc.api.Allocator;
import dev.nalloc.api.Option;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options {@code verbose}, {@code show_errors} and {@code max_errors}: what goes to SLF4J. */
class VerboseAndErrorsOutputTest {

    static {
        // On the module path the engine's module (where this test is patched in) does not read logback.
        Module self = VerboseAndErrorsOutputTest.class.getModule();
        Module classic = LoggerFactory.getILoggerFactory().getClass().getModule();
        self.addReads(classic);
        ModuleLayer layer = classic.getLayer();
        if (layer != null) {
            layer.findModule("ch.qos.logback.core").ifPresent(self::addReads);
        }
    }

    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.nalloc");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level level;

    @BeforeEach
    void attach() {
        level = logger.getLevel();
        logger.setLevel(Level.INFO);
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(appender);
        logger.setLevel(level);
    }

    private List<ILoggingEvent> at(Level l) {
        return appender.list.stream().filter(e -> e.getLevel() == l).toList();
    }

    @Test
    void showErrorsLogsMisuseUpToMaxErrors() {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        try (Allocator a = TestAllocators.builder().errorHandler(h).option(Option.SHOW_ERRORS, 1)
                .option(Option.MAX_ERRORS, 2).build()) {
            long p = a.malloc(64);
            for (int i = 0; i < 5; i++) {
                a.free(p + 8);
            }
            a.free(p);
        }
        assertEquals(5, h.reports().size(), "the handler still sees every error");
        List<ILoggingEvent> errors = at(Level.ERROR);
        assertEquals(3, errors.size(), "two messages and the suppression line: " + errors);
        assertTrue(errors.get(0).getFormattedMessage().startsWith("nalloc: unaligned free: 0x"));
        assertTrue(errors.get(2).getFormattedMessage().startsWith("nalloc: further error messages are suppressed (max_errors 2)"));
    }

    @Test
    void withoutShowErrorsNothingIsLogged() {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        try (Allocator a = TestAllocators.builder().errorHandler(h).build()) {
            long p = a.malloc(64);
            a.free(p + 8);
            a.free(p);
        }
        assertEquals(1, h.reports().size());
        assertEquals(0, at(Level.ERROR).size());
    }

    @Test
    void verboseLogsStartArenasAndClose() {
        try (Allocator a = TestAllocators.builder().name("verbose-test").option(Option.VERBOSE, 1).build()) {
            a.free(a.malloc(64));
        }
        List<String> info = at(Level.INFO).stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertTrue(info.stream().anyMatch(m -> m.startsWith("nalloc[verbose-test]: starting: mode FAST")), info.toString());
        assertTrue(info.stream().anyMatch(m -> m.startsWith("nalloc[verbose-test]: reserved an arena of 268435456 bytes")), info.toString());
        assertTrue(info.stream().anyMatch(m -> m.startsWith("nalloc[verbose-test]: released the arena")), info.toString());
        assertTrue(info.stream().anyMatch(m -> m.equals("nalloc[verbose-test]: closing")), info.toString());
    }

    @Test
    void quietByDefault() {
        try (Allocator a = TestAllocators.builder().name("quiet-test").build()) {
            a.free(a.malloc(64));
        }
        assertTrue(at(Level.INFO).stream().noneMatch(e -> e.getFormattedMessage().contains("quiet-test")));
    }
}
