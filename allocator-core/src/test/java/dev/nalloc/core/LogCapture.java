package dev.nalloc.core;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/** Captures what the {@code dev.nalloc} logger receives (the logging error handler's output). */
final class LogCapture {

    static {
        // Patched into the named module dev.nalloc.core (surefire's module path), the tests do not
        // read logback's modules; add the edges before the first symbolic reference.
        Module self = LogCapture.class.getModule();
        for (String type : new String[]{"ch.qos.logback.core.read.ListAppender", "ch.qos.logback.classic.Logger"}) {
            try {
                self.addReads(Class.forName(type, false, LogCapture.class.getClassLoader()).getModule());
            } catch (ClassNotFoundException e) {
                throw new ExceptionInInitializerError("logback-classic is not on the test path: " + e);
            }
        }
    }

    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.nalloc");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture() {
        appender.start();
        logger.addAppender(appender);
    }

    static LogCapture start() {
        return new LogCapture();
    }

    void stop() {
        logger.detachAppender(appender);
        appender.stop();
    }

    /** Messages so far that contain {@code text}. */
    long count(String text) {
        return appender.list.stream().filter(e -> e.getFormattedMessage().contains(text)).count();
    }

    String text() {
        return String.join("\n", appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
    }
}
