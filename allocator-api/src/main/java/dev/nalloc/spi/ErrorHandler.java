package dev.nalloc.spi;

import dev.nalloc.api.AllocatorMisuseException;
import dev.nalloc.api.ErrorKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Receives every error the allocator detects: misuse and corruption (which the allocator has
 * already contained: its state is consistent), OS failures and out-of-memory. A handler that
 * returns normally lets the operation degrade (a free is ignored, an allocation returns 0).
 * A handler may throw; the exception reaches the caller of the allocator method.
 */
@FunctionalInterface
public interface ErrorHandler {

    /**
     * Handles one error.
     *
     * @param kind    the stable kind
     * @param address the address involved, or 0
     * @param message the full message, starting with {@link ErrorKind#prefix()}
     */
    void onError(ErrorKind kind, long address, String message);

    /**
     * The default: misuse throws {@link AllocatorMisuseException}; OS failures and out-of-memory
     * are logged as warnings (at most {@code maxWarnings}, then suppressed) and the operation degrades.
     * {@link ErrorKind#LEAK} reports pass (the engine logged them as warnings already).
     *
     * @param maxWarnings how many warnings are logged before the rest are suppressed
     * @return the handler
     */
    static ErrorHandler defaultHandler(long maxWarnings) {
        ErrorHandler log = logging(maxWarnings);
        return (kind, address, message) -> {
            if (kind.isMisuse()) {
                throw new AllocatorMisuseException(kind, address, message);
            }
            log.onError(kind, address, message);
        };
    }

    /** {@return a handler that throws {@link AllocatorMisuseException} for every error, OS failures included} */
    static ErrorHandler throwing() {
        return (kind, address, message) -> {
            throw new AllocatorMisuseException(kind, address, message);
        };
    }

    /**
     * Logs through SLF4J (logger {@code dev.nalloc}) and continues: misuse at error level, the rest
     * at warn; after {@code maxMessages} messages the rest are counted but not printed.
     * {@link ErrorKind#LEAK} reports are not logged again (the engine logged them as warnings already).
     *
     * @param maxMessages how many messages are printed
     * @return the handler
     */
    static ErrorHandler logging(long maxMessages) {
        AtomicLong count = new AtomicLong();
        return (kind, address, message) -> {
            if (kind == ErrorKind.LEAK) {
                return;
            }
            long n = count.incrementAndGet();
            if (n > maxMessages) {
                return;
            }
            // Looked up per message, not when the handler is made: an allocator that reports nothing
            // never starts the logging framework (its start costs megabytes of heap and metaspace).
            Logger log = LoggerFactory.getLogger("dev.nalloc");
            if (kind.isMisuse()) {
                log.error("{} (address 0x{})", message, Long.toHexString(address));
            } else {
                log.warn("{}", message);
            }
            if (n == maxMessages) {
                log.warn("nalloc: further messages are suppressed (max {})", maxMessages);
            }
        };
    }

    /** {@return a handler that prints the message to standard error and halts the process} (mimalloc's abort) */
    static ErrorHandler aborting() {
        return (kind, address, message) -> {
            System.err.println(message + " (address 0x" + Long.toHexString(address) + "); aborting");
            System.err.flush();
            Runtime.getRuntime().halt(134);
        };
    }

    /** {@return a handler that records every error and continues} For tests and monitoring. */
    static Capturing capturing() {
        return new Capturing();
    }

    /**
     * One captured error.
     *
     * @param kind    the stable kind
     * @param address the address involved, or 0
     * @param message the full message
     */
    record Report(ErrorKind kind, long address, String message) {
        /** The kind and the message are required. */
        public Report {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(message, "message");
        }
    }

    /** A handler that records errors. */
    final class Capturing implements ErrorHandler {
        private final List<Report> reports = new CopyOnWriteArrayList<>();

        /** An empty recorder; {@link ErrorHandler#capturing()} is the usual way to get one. */
        public Capturing() {
        }

        @Override
        public void onError(ErrorKind kind, long address, String message) {
            reports.add(new Report(kind, address, message));
        }

        /** {@return the errors so far, oldest first} */
        public List<Report> reports() {
            return List.copyOf(reports);
        }

        /** {@return the most recent error, or null} */
        public Report last() {
            return reports.isEmpty() ? null : reports.get(reports.size() - 1);
        }

        /** Forgets every error recorded so far. */
        public void clear() {
            reports.clear();
        }
    }
}
