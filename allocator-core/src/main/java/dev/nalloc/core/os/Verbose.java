package dev.nalloc.core.os;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verbose messages (mimalloc's {@code _mi_verbose_message}): what the engine chose at start and
 * which fallbacks it took. Logged through SLF4J at info level when option {@code verbose} is on,
 * at debug level otherwise, on the logger {@code dev.nalloc.core}.
 */
public final class Verbose {

    /** Made on first message: SLF4J (and its binding) starts only when something is logged. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger("dev.nalloc.core");
    }

    private volatile boolean verbose;

    public Verbose(boolean verbose) {
        this.verbose = verbose;
    }

    /** Option {@code verbose} changed at run time. */
    public void enable(boolean on) {
        this.verbose = on;
    }

    /** Logs {@code message} (which starts with {@code "nalloc: "}). */
    public void message(String message) {
        if (verbose) {
            Log.LOG.info(message);
        } else {
            Log.LOG.debug(message);
        }
    }

    /**
     * Logs a routine status line ({@code message} starts with {@code "nalloc: "}) at info level
     * when option {@code verbose} is on, else not at all: an ordinary start logs nothing, so it
     * does not start the logging framework.
     */
    public void status(String message) {
        if (verbose) {
            Log.LOG.info(message);
        }
    }
}
