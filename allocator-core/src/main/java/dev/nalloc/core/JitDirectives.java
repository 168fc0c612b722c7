package dev.nalloc.core;

import dev.nalloc.core.os.Verbose;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Option {@code jit_directives}: a HotSpot compiler directive, installed once per process, that
 * keeps the engine's slow-path helpers ({@link #OUT_OF_LINE}) out of the compiled code of the
 * engine's other methods, as the JDK keeps its own slow paths out with {@code @DontInline} (not
 * open to libraries).
 *
 * <p>Why: each slow path C2 compiles ({@code FreeRouting.freeAddress}, {@code PageSearch
 * .mallocGeneric}, the full queue's moves, the local free of a full page) otherwise carries its own
 * inlined copy of the same helpers, and a helper's rare branch (a page's first delayed free, a
 * retry of its compare-and-set, a peak check) that first runs after the compile throws the whole
 * caller away for another compile. On 2 cores that compiler time comes out of the program's first
 * second (docs/performance.md, "Slow-path helpers kept out of line"). Kept out of line, each helper
 * is compiled once, and its traps cost its own small compile only. The directive matches only
 * compiles of {@code dev/nalloc/core} methods: a program's own loops, which inline malloc's and
 * free's fast paths, compile as before; the fast paths call no helper of the list.
 *
 * <p>How: through the JDK's DiagnosticCommand MBean ({@code jcmd Compiler.directives_add}), which
 * reads the directive from a file (written to a temporary file, added, deleted), and only when the
 * platform MBean server is running already: started for the directive, the server's own start
 * would lengthen the first build (or, started in the background, compete with the program's first
 * second, where it cost more than the directive saved; docs/performance.md). It runs when the program
 * uses JMX, or when {@code allocator-stats} registers the instance (option {@code jmx}); the
 * engine looks at the end of every build until the directive is in. Where the JVM cannot take it
 * (another JVM, a runtime image without {@code jdk.management}) the engine runs as without the
 * option; option {@code verbose} says which.
 */
final class JitDirectives {

    /** What became of the directive in this process. */
    enum Status {
        /** No instance was built with the option on yet. */
        NOT_REQUESTED,
        /** Instances were built with the option on, but none while the platform MBean server ran. */
        WAITING_FOR_JMX,
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

    private static final String COMMAND = "com.sun.management:type=DiagnosticCommand";

    private static final Object LOCK = new Object();
    private static volatile Status status = Status.NOT_REQUESTED;
    private static volatile String detail = "";

    private JitDirectives() {
    }

    /** The directive in HotSpot's JSON form. */
    static String json() {
        return "[{ match: \"" + MATCH + "\", inline: ["
                + OUT_OF_LINE.stream().map(p -> "\"-" + p + "\"").collect(Collectors.joining(", ")) + "] }]";
    }

    /**
     * An instance was built (its listeners ran: a JMX registration has started the MBean server):
     * with the option on, installs the directive if the platform MBean server is running and this
     * process has not installed it yet. Costs a lookup of the running MBean servers until it is in.
     */
    static void request(boolean enabled, Verbose verbose) {
        Status s = status;
        if (!enabled || s == Status.INSTALLED || s == Status.UNAVAILABLE) {
            return;
        }
        synchronized (LOCK) {
            if (status == Status.INSTALLED || status == Status.UNAVAILABLE) {
                return;
            }
            try {
                ObjectName command = new ObjectName(COMMAND);
                MBeanServer server = runningPlatformServer(command);
                if (server == null) {
                    status = Status.WAITING_FOR_JMX;
                    return;
                }
                String reply = add(server, command, json());
                if (reply.contains("1 compiler directives added")) {
                    finish(Status.INSTALLED, reply);
                    verbose.status("nalloc: compiler directive installed: " + OUT_OF_LINE.size()
                            + " slow-path helpers kept out of line in the engine's compiled code");
                } else {
                    finish(Status.UNAVAILABLE, reply);
                    verbose.message("nalloc: compiler directive not installed: " + reply.strip());
                }
            } catch (Exception | LinkageError e) {
                finish(Status.UNAVAILABLE, e.toString());
                verbose.message("nalloc: compiler directive not installed (" + e + "); the engine runs without it");
            }
        }
    }

    /** The platform MBean server if something started it (it serves {@code command}, the DiagnosticCommand MBean), else null. */
    private static MBeanServer runningPlatformServer(ObjectName command) {
        for (MBeanServer server : MBeanServerFactory.findMBeanServer(null)) {
            if (server.isRegistered(command)) {
                return server;
            }
        }
        return null;
    }

    /** Adds {@code directive} through {@code server}'s DiagnosticCommand MBean {@code command}; HotSpot's reply. */
    private static String add(MBeanServer server, ObjectName command, String directive) throws Exception {
        Path file = Files.createTempFile("nalloc-jit-directive", ".json");
        try {
            Files.writeString(file, directive);
            return String.valueOf(server.invoke(command, "compilerDirectivesAdd",
                    new Object[]{new String[]{file.toString()}}, new String[]{String[].class.getName()}));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void finish(Status outcome, String message) {
        detail = message.strip();
        status = outcome;
    }

    /** This process's status. */
    static Status status() {
        return status;
    }

    /** HotSpot's reply, or why the install failed (empty before it was tried). */
    static String detail() {
        return detail;
    }
}
