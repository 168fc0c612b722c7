package dev.nalloc.core.stats;

import dev.nalloc.api.AllocatorStats;
import dev.nalloc.spi.StatsPrinter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Option {@code show_stats}: prints an instance's statistics once, when it closes or, if it is
 * still open then, when the process exits (mimalloc prints at process exit). The text comes from a
 * {@link StatsPrinter} found with {@link ServiceLoader} ({@code allocator-stats} provides the table),
 * else it is the JSON document. It goes to the SLF4J logger {@code dev.nalloc.stats} at info level
 * when that level is enabled, else to standard error.
 */
public final class StatsAtExit {

    /** Made on first use: SLF4J (and its binding) starts only when statistics are printed. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger("dev.nalloc.stats");
    }

    private final String name;
    private final Supplier<? extends AllocatorStats> stats;
    private final AtomicBoolean printed = new AtomicBoolean();
    private final Thread hook;
    /** More text printed after the statistics at exit (leak detection's report), or null. */
    private volatile Supplier<String> alsoAtExit;

    private StatsAtExit(String name, Supplier<? extends AllocatorStats> stats) {
        this.name = name;
        this.stats = stats;
        this.hook = new Thread(this::printAtExit, "nalloc-show-stats-" + name);
    }

    /** Prints at exit unless {@link #printNow} printed first. */
    public static StatsAtExit install(String name, Supplier<? extends AllocatorStats> stats) {
        StatsAtExit s = new StatsAtExit(name, stats);
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    /** Prints now (the instance closes) and not again at exit. */
    public void printNow() {
        if (printed.compareAndSet(false, true)) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already
            }
            print(render(name, stats.get()));
        }
    }

    /**
     * Prints {@code text} (when it gives any) after the statistics at exit: what leak detection still
     * holds then. Not at {@link #printNow}: a closing instance reports its leaks itself.
     */
    public void alsoAtExit(Supplier<String> text) {
        this.alsoAtExit = text;
    }

    private void printAtExit() {
        if (printed.compareAndSet(false, true)) {
            String text = render(name, stats.get());
            Supplier<String> more = alsoAtExit;
            String extra = more == null ? null : more.get();
            print(extra == null ? text : text + extra + "\n");
        }
    }

    /** The text of a snapshot: the first {@link StatsPrinter} found, else the JSON document. */
    static String render(String name, AllocatorStats s) {
        for (StatsPrinter p : ServiceLoader.load(StatsPrinter.class, StatsAtExit.class.getClassLoader())) {
            return p.render(name, s);
        }
        return "nalloc[" + name + "] statistics: " + s.toJson() + "\n";
    }

    private static void print(String text) {
        if (Log.LOG.isInfoEnabled()) {
            Log.LOG.info("\n{}", text);
        } else {
            System.err.print(text);
            System.err.flush();
        }
    }
}
