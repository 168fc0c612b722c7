package dev.nalloc.core.error;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.core.stats.EngineStats;
import dev.nalloc.spi.ErrorHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends every detected error to the configured {@link ErrorHandler} with its stable message, after
 * counting it in the statistics (and as a JFR event) and, with option {@code show_errors}, logging
 * misuse at error level through SLF4J (at most {@code max_errors} messages, then one line saying
 * the rest are suppressed).
 */
public final class Reporter {

    /** Made on first message: SLF4J (and its binding) starts only when something is logged. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger("dev.nalloc");
    }

    private final ErrorHandler handler;
    private volatile EngineStats stats;
    private volatile boolean showErrors;
    private volatile long maxErrors;
    private final AtomicLong errorsShown = new AtomicLong();

    public Reporter(ErrorHandler handler) {
        this.handler = handler;
    }

    /** Counts errors in {@code stats}; {@code showErrors} logs up to {@code maxErrors} misuse messages. */
    public void attach(EngineStats stats, boolean showErrors, long maxErrors) {
        this.stats = stats;
        this.showErrors = showErrors;
        this.maxErrors = maxErrors;
    }

    /** Reports {@code kind} at {@code address}; the handler may throw. */
    public void report(ErrorKind kind, long address, String details) {
        String message = kind.message(details);
        EngineStats s = stats;
        if (s != null) {
            if (kind == ErrorKind.OUT_OF_MEMORY) {
                s.outOfMemory(message);
            } else if (kind == ErrorKind.OS_FAILURE) {
                s.osFailure();
            } else if (kind != ErrorKind.LEAK) { // a leak report is no misuse (and is logged by the leak tracker)
                s.misuse(kind.name(), address, message);
            }
        }
        if (showErrors && kind.isMisuse()) {
            long n = errorsShown.incrementAndGet();
            if (n <= maxErrors) {
                Log.LOG.error("{} (address {})", message, hex(address));
                if (n == maxErrors) {
                    Log.LOG.error("nalloc: further error messages are suppressed (max_errors {})", maxErrors);
                }
            }
        }
        handler.onError(kind, address, message);
    }

    /** An address as text for messages. */
    public static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }
}
