package dev.nalloc.core;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/** Captures what a logback logger receives, for assertions on log output. Close to detach. */
public final class LogCapture implements AutoCloseable {

    static {
        // When these tests run patched into the named module dev.nalloc.api (surefire's module
        // path), logback's modules are not read by it; reflection finds them without a symbolic
        // reference, which would fail before the read edge exists.
        Module self = LogCapture.class.getModule();
        for (String type : new String[]{"ch.qos.logback.core.read.ListAppender", "ch.qos.logback.classic.Logger"}) {
            try {
                self.addReads(Class.forName(type, false, LogCapture.class.getClassLoader()).getModule());
            } catch (ClassNotFoundException e) {
                throw new ExceptionInInitializerError("logback-classic is not on the test path: " + e);
            }
        }
    }

    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final ch.qos.logback.classic.Level previousLevel;

    private LogCapture(String loggerName) {
        logger = (Logger) LoggerFactory.getLogger(loggerName);
        previousLevel = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.DEBUG); // verbose messages are info or debug
        appender.start();
        logger.addAppender(appender);
    }

    /** Starts capturing the named logger (and its children). */
    public static LogCapture of(String loggerName) {
        return new LogCapture(loggerName);
    }

    /** The formatted messages so far. */
    public List<String> messages() {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** The level names of the events so far ({@code WARN}, {@code ERROR}). */
    public List<String> levels() {
        return appender.list.stream().map(e -> e.getLevel().toString()).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previousLevel);
        appender.stop();
    }
}
