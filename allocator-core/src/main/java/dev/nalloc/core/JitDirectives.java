package dev.nalloc.core;

import dev.nalloc.core.os.Verbose;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Option {@code jit_directives}: HotSpot compiler directives, installed once per process, that keep
 * the engine's slow-path helpers ({@link #OUT_OF_LINE}) out of the compiled code of the engine's
 * other methods, as the JDK keeps its own slow paths out with {@code @DontInline} (not open to
 * libraries).
 *
 * <p>Why: each slow path C2 compiles ({@code FreeRouting.freeAddress}, {@code PageSearch
 * .mallocGeneric}, the full queue's moves, the local free of a full page) otherwise carries its own
 * inlined copy of the same helpers, and every helper's rare branch (a page's first delayed free, a
 * retry of its compare-and-set, a peak check) that first runs after the compile throws the whole
 * caller away for another compile. On 2 cores that compiler time comes out of the program's first
 * second (docs/performance.md, "Slow-path helpers kept out of line"). Kept out of line, each helper
 * is compiled once, and its traps cost its own small compile only. The directive matches only
 * compiles of {@code dev/nalloc/core} methods: a program's own loops, which inline malloc's and
 * free's fast paths, compile as before; the fast paths call no helper of the list.
 *
 * <p>How: through the JDK's DiagnosticCommand MBean ({@code jcmd Compiler.directives_add}), which
 * reads the directive from a file: written to a temporary file, added, the file deleted. On a
 * background daemon thread, because the platform MBean server's start takes about 200 ms when
 * nothing started it before (with {@code allocator-stats} and option {@code jmx} it is up already):
 * no build waits for it. Where the MBean is missing (another JVM, a runtime image without
 * {@code jdk.management}) or refuses, the engine runs as without the option; option
 * {@code verbose} says which.
 */
final class JitDirectives {

    /** What became of the directives in this process. */
    enum Status {
        /** No instance with the option on was built yet. */
        NOT_REQUESTED,
        /** The background install is under way. */
        PENDING,
        /** HotSpot took the directive. */
        INSTALLED,
        /** The JVM has no way to take it, or refused it: the engine runs without it. */
        UNAVAILABLE
    }

    /**
     * The helpers kept out of line (HotSpot's method patterns: {@code package/Class.method}, a
     * trailing {@code *} for every method of the class). JitDirectivesTest checks that each names
     * an engine class and method, so that a rename cannot leave a pattern that matches nothing.
     */
    static final List<String> OUT_OF_LINE = List.of(
            "dev/nalloc/core/heap/PageSearch.*",
            "dev/nalloc/core/heap/FullQueue.*",
            "dev/nalloc/core/heap/PageCollect.*",
            "dev/nalloc/core/heap/PageRetire.*",
            "dev/nalloc/core/heap/HeapGauges.*",
            "dev/nalloc/core/heap/BlockFree.local",
            "dev/nalloc/core/heap/BlockFree.freeDelayed",
            "dev/nalloc/core/heap/BlockFree.delayedBlock",
            "dev/nalloc/core/heap/BlockFree.remote",
            "dev/nalloc/core/heap/BlockFree.remoteEncoded",
            "dev/nalloc/core/page/PageQueues.*",
            "dev/nalloc/core/page/Page.useDelayedFree");

    /** The compiles the directive applies to: those of the engine's own methods. */
    static final String MATCH = "dev/nalloc/core/*.*";

    private static final Object LOCK = new Object();
    private static volatile Status status = Status.NOT_REQUESTED;
    private static volatile String detail = "";
    private static final CountDownLatch DONE = new CountDownLatch(1);

    private JitDirectives() {
    }

    /** The directive in HotSpot's JSON form. */
    static String json() {
        return "[{ match: \"" + MATCH + "\", inline: ["
                + OUT_OF_LINE.stream().map(p -> "\"-" + p + "\"").collect(Collectors.joining(", ")) + "] }]";
    }

    /**
     * An instance was built: with the option on, starts the install unless this process started it
     * already (the first instance with the option on decides; nothing undoes it).
     */
    static void request(boolean enabled, Verbose verbose) {
        if (!enabled) {
            return;
        }
        synchronized (LOCK) {
            if (status != Status.NOT_REQUESTED) {
                return;
            }
            status = Status.PENDING;
        }
        Thread.ofPlatform().daemon(true).name("nalloc-jit-directives").start(() -> install(verbose));
    }

    private static void install(Verbose verbose) {
        try {
            String reply = add(json());
            if (reply.contains("1 compiler directives added")) {
                finish(Status.INSTALLED, reply.strip());
                verbose.status("nalloc: compiler directives installed: " + OUT_OF_LINE.size()
                        + " slow-path helpers kept out of line in the engine's compiled code");
            } else {
                finish(Status.UNAVAILABLE, reply.strip());
                verbose.message("nalloc: compiler directives not installed: " + reply.strip());
            }
        } catch (Exception | LinkageError e) {
            finish(Status.UNAVAILABLE, e.toString());
            verbose.message("nalloc: compiler directives not installed (" + e + "); the engine runs without them");
        }
    }

    /** Adds {@code directive} through the DiagnosticCommand MBean; HotSpot's reply. */
    static String add(String directive) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName command = new ObjectName("com.sun.management:type=DiagnosticCommand");
        Path file = Files.createTempFile("nalloc-jit-directives", ".json");
        try {
            Files.writeString(file, directive);
            return String.valueOf(server.invoke(command, "compilerDirectivesAdd",
                    new Object[]{new String[]{file.toString()}}, new String[]{String[].class.getName()}));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void finish(Status outcome, String message) {
        detail = message;
        status = outcome;
        DONE.countDown();
    }

    /** This process's status. */
    static Status status() {
        return status;
    }

    /** HotSpot's reply, or why the install failed (empty before it ended). */
    static String detail() {
        return detail;
    }

    /** Waits up to {@code millis} for a requested install to end; whether it ended. */
    static boolean awaitDone(long millis) throws InterruptedException {
        return DONE.await(millis, TimeUnit.MILLISECONDS);
    }
}
