package dev.nalloc.core.os;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verbose messages (mimalloc's {@code _mi_verbose_message}): what the engine chose at start and
 * which fallbacks it took. Logged through SLF4J at info level when option {@code verbose} is on,
 * at debug level otherwise, on the logger {@code dev.nalloc.core}.
 */
public final class Verbose {

    private static final Logger LOG = LoggerFactory.getLogger("dev.nalloc.core");

    private final boolean verbose;

    public Verbose(boolean verbose) {
        this.verbose = verbose;
    }

    /** Logs {@code message} (which starts with {@code "nalloc: "}). */
    public void message(String message) {
        if (verbose) {
            LOG.info(message);
        } else {
            LOG.debug(message);
        }
    }
}
