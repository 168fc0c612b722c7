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
    /**
     * Set when the instance closes: what a thread still inside a call would report then comes from
     * memory the close took away, so it ends the call with {@link IllegalStateException} instead.
     */
    private volatile boolean closed;

    public Reporter(ErrorHandler handler) {
        this.handler = handler;
    }

    /** Counts errors in {@code stats}; {@code showErrors} logs up to {@code maxErrors} misuse messages. */
    public void attach(EngineStats stats, boolean showErrors, long maxErrors) {
        this.stats = stats;
        this.showErrors = showErrors;
        this.maxErrors = maxErrors;
    }

    /** Reports {@code kind} at {@code address}; the handler may throw. After {@link #close} it throws. */
    public void report(ErrorKind kind, long address, String details) {
        if (closed) {
            throw new IllegalStateException("nalloc: the allocator is closed");
        }
        reportAtClose(kind, address, details);
    }

    /** From now on {@link #report} ends the call with {@link IllegalStateException} (the instance closed). */
    public void close() {
        closed = true;
    }

    /** Reports whether closed or not (what the close itself finds); the handler may throw. */
    public void reportAtClose(ErrorKind kind, long address, String details) {
        String message = kind.message(details);
        count(kind, address, message);
        handler.onError(kind, address, message);
    }

    /**
     * Reports that the Java heap is exhausted, with a message built in advance ({@code message},
     * prefix included): nothing here needs Java heap but what the handler does, and if the handler
     * itself runs out of it the report stays counted.
     */
    public void reportJavaHeapExhausted(long address, String message) {
        count(ErrorKind.OUT_OF_MEMORY, address, message);
        try {
            handler.onError(ErrorKind.OUT_OF_MEMORY, address, message);
        } catch (OutOfMemoryError e) {
            // the handler (a logger) needed Java heap too: counted, the caller fails the allocation
        }
    }

    private void count(ErrorKind kind, long address, String message) {
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
    }

    // ------------------------------------------------------------------ OS trouble, reported after the step

    /**
     * An operation either completes (and reports OS trouble afterwards) or changes nothing: the OS
     * layer's failures (a purge's decommit, a reservation, a guard page...) happen in the middle of
     * the engine's bookkeeping, where a handler that throws would leave it half done. So they are
     * counted at once ({@link #reportLater}) and handed to the handler by {@link #flush} at the
     * end of the step, on the same thread, once the step's books are whole. Items of this thread
     * waiting for a flush; a thrown exception to deliver is kept as such.
     */
    private static final class Deferred {
        final ErrorKind kind;
        final long address;
        final String message;
        final Throwable thrown;

        Deferred(ErrorKind kind, long address, String message, Throwable thrown) {
            this.kind = kind;
            this.address = address;
            this.message = message;
            this.thrown = thrown;
        }
    }

    /** At most this many reports wait per thread; more are counted in the statistics only. */
    private static final int DEFERRED_MAX = 16;
    private final ThreadLocal<java.util.ArrayDeque<Deferred>> deferred = new ThreadLocal<>();
    /** Reports waiting on any thread: the flush points' one cheap test. */
    private final java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger();
    /** Per thread: the exception the last flush delivered (see {@link #delivered}). */
    private final ThreadLocal<Throwable> lastDelivered = new ThreadLocal<>();

    /**
     * Counts {@code kind} at once and hands it to the handler at the next {@link #flush} on this
     * thread (the end of the engine step under way). Safe when the Java heap is exhausted: the
     * report is then only counted.
     */
    public void reportLater(ErrorKind kind, long address, String details) {
        try {
            String message = kind.message(details);
            count(kind, address, message);
            queue(new Deferred(kind, address, message, null));
        } catch (OutOfMemoryError e) {
            countOnly(kind);
        }
    }

    /** A report that could not even be built (no Java heap): counted only. */
    public void countOnly(ErrorKind kind) {
        EngineStats s = stats;
        if (s == null) {
            return;
        }
        try {
            if (kind == ErrorKind.OS_FAILURE) {
                s.osFailure();
            } else if (kind == ErrorKind.OUT_OF_MEMORY) {
                s.outOfMemory(JAVA_HEAP_EXHAUSTED);
            }
        } catch (OutOfMemoryError e) {
            // counted as far as the Java heap allowed
        }
    }

    private static final String JAVA_HEAP_EXHAUSTED = "nalloc: out of memory: the Java heap is exhausted";

    private void queue(Deferred d) {
        java.util.ArrayDeque<Deferred> q = deferred.get();
        if (q == null) {
            q = new java.util.ArrayDeque<>();
            deferred.set(q);
        }
        if (q.size() < DEFERRED_MAX) {
            q.addLast(d);
            waiting.incrementAndGet();
        }
    }

    /**
     * The end of an engine step (its books are whole): hands this thread's waiting reports to the
     * handler, which may throw. Cheap when nothing waits anywhere.
     */
    public void flush() {
        if (waiting.get() != 0) {
            flushWaiting();
        }
    }

    /**
     * Hands every waiting report of this thread to the handler; when it throws, the first exception
     * is thrown after all were handed over, the later ones added to it as suppressed.
     */
    private void flushWaiting() {
        java.util.ArrayDeque<Deferred> q = deferred.get();
        Throwable first = null;
        Deferred d;
        while (q != null && (d = q.pollFirst()) != null) {
            waiting.decrementAndGet();
            Throwable t = d.thrown;
            if (t == null) {
                try {
                    handler.onError(d.kind, d.address, d.message);
                } catch (RuntimeException | Error e) {
                    t = e;
                }
            }
            if (t != null) {
                if (first == null) {
                    first = t;
                } else if (t != first) {
                    first.addSuppressed(t);
                }
            }
        }
        if (first != null) {
            lastDelivered.set(first);
            throw sneaky(first);
        }
    }

    /**
     * True when {@code t} is what a flush on this thread just delivered: an operation that had
     * completed when a step inside it flushed (realloc, after freeing the old block) may then keep
     * its result and {@link #deliverLater} the exception.
     */
    public boolean delivered(Throwable t) {
        return lastDelivered.get() == t;
    }

    /** Queues an exception a flush delivered, for the next flush on this thread to throw again. */
    public void deliverLater(Throwable t) {
        lastDelivered.remove();
        java.util.ArrayDeque<Deferred> q = deferred.get();
        if (q == null) {
            q = new java.util.ArrayDeque<>();
            deferred.set(q);
        }
        q.addFirst(new Deferred(null, 0, null, t));
        waiting.incrementAndGet();
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
        throw (T) t;
    }

    /** An address as text for messages. */
    public static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }
}
