package dev.nalloc.core.stats;

import dev.nalloc.core.jfr.JfrEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance-wide statistics of one allocator (the shared half of mimalloc's {@code mi_stats_t}):
 * OS memory, segments, arenas, threads, abandoned segments, OS calls, purges. Every method here is
 * called on a slow path (an OS call, a segment or arena event): atomics and striped counters are
 * fine there. Per-thread counts (pages, blocks, generic calls) are in {@link ThreadCounters}.
 *
 * <p>The event methods also emit the JFR events of {@link JfrEvents} (nothing when no recording
 * runs) and, with option {@code verbose}, a line through SLF4J. Engineers adding a feature call the
 * matching method: {@link #segmentAbandoned()}, {@link #segmentReclaimed()}, {@link #purged}.
 */
public final class EngineStats {

    /** Made on first message: SLF4J (and its binding) starts only when something is logged. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger("dev.nalloc");
    }

    /** Bytes of address space reserved from the OS. */
    public final StatCount reserved = new StatCount();
    /**
     * Bytes in use: memory the engine made usable (slices handed to pages, huge blocks) and has not
     * purged since (see docs/statistics.md). Memory committed up front and never touched is not in it.
     */
    public final StatCount committed = new StatCount();
    /** Bytes the OS was asked to commit (reservations with commit, commit calls) and not decommitted or released. */
    public final StatCount osCommitted = new StatCount();
    /** Segments mapped (huge ones included). */
    public final StatCount segments = new StatCount();
    /** Huge segments (one huge block each). */
    public final StatCount hugeSegments = new StatCount();
    /** Arenas reserved. */
    public final StatCount arenas = new StatCount();
    /** Threads that used the instance (current: not yet ended). */
    public final StatCount threads = new StatCount();
    /** Segments abandoned by ended threads (current: not yet reclaimed or freed). */
    public final StatCount abandoned = new StatCount();
    /** Live bytes, blocks and size classes, whose peaks are tracked at slow-path events (see {@link Gauges}). */
    public final Gauges gauges = new Gauges();

    /** The peaks of every count kept here become their current values (mimalloc's {@code mi_stats_reset}). */
    public void resetCountPeaks() {
        for (StatCount c : new StatCount[]{reserved, committed, osCommitted, segments, hugeSegments, arenas, threads,
                abandoned}) {
            c.resetPeak();
        }
    }

    public final EventCounter mmapCalls = new EventCounter();
    public final EventCounter munmapCalls = new EventCounter();
    public final EventCounter commitCalls = new EventCounter();
    public final EventCounter decommitCalls = new EventCounter();
    public final EventCounter resetCalls = new EventCounter();
    public final EventCounter resetBytes = new EventCounter();
    public final EventCounter purgeCalls = new EventCounter();
    public final EventCounter purgedBytes = new EventCounter();
    public final EventCounter segmentsFromArena = new EventCounter();
    public final EventCounter segmentsFromOs = new EventCounter();
    public final EventCounter segmentsReclaimed = new EventCounter();
    final EventCounter collectCalls = new EventCounter();
    public final EventCounter outOfMemory = new EventCounter();
    public final EventCounter osFailures = new EventCounter();
    public final EventCounter misuse = new EventCounter();

    private volatile String name = "nalloc";
    private volatile boolean verbose;

    /** Names the instance in events and messages; {@code verbose} enables the informational lines. */
    public void configure(String name, boolean verbose) {
        this.name = name;
        this.verbose = verbose;
    }

    String name() {
        return name;
    }

    boolean verbose() {
        return verbose;
    }

    /** Logs an informational line when option {@code verbose} is on. */
    public void verbose(String format, Object... args) {
        if (verbose) {
            Log.LOG.info("nalloc[" + name + "]: " + format, args);
        }
    }

    // ------------------------------------------------------------------ OS calls (OsMemory)

    public void osReserved(long address, long size, boolean commit) {
        mmapCalls.increment();
        reserved.increase(size);
        if (commit) {
            osCommitted.increase(size);
        }
    }

    public void osReleased(long size, long committedBytes) {
        munmapCalls.increment();
        reserved.decrease(size);
        osCommitted.decrease(committedBytes);
    }

    public void osCommitted(long size) {
        commitCalls.increment();
        osCommitted.increase(size);
    }

    public void osDecommitted(long accountedBytes) {
        decommitCalls.increment();
        osCommitted.decrease(accountedBytes);
    }

    /**
     * The instance closed: it holds no memory any more (what it had is retired), so reserved,
     * committed and in-use bytes read zero from now on, whatever racing calls still count.
     */
    public void closed() {
        reserved.closeAtZero();
        committed.closeAtZero();
        osCommitted.closeAtZero();
    }

    /** {@code bytes} were made usable (handed to pages or a huge block) after being unused or purged. */
    public void inUse(long bytes) {
        if (bytes != 0) {
            committed.increase(bytes);
        }
    }

    /** {@code bytes} that were in use were purged (decommitted or reset) or given back to the OS. */
    public void notInUse(long bytes) {
        if (bytes != 0) {
            committed.decrease(bytes);
        }
    }

    public void osReset(long size) {
        resetCalls.increment();
        resetBytes.add(size);
    }

    // ------------------------------------------------------------------ segments and arenas

    public void segmentAllocated(long address, long size, boolean huge, boolean fromArena) {
        segments.increase(1);
        if (huge) {
            hugeSegments.increase(1);
        }
        (fromArena ? segmentsFromArena : segmentsFromOs).increment();
        JfrEvents.segmentAllocated(name, address, size, huge, fromArena);
    }

    public void segmentFreed(long address, long size, boolean huge, boolean toArena) {
        segments.decrease(1);
        if (huge) {
            hugeSegments.decrease(1);
        }
        JfrEvents.segmentFreed(name, address, size, huge, toArena);
    }

    public void arenaReserved(long address, long size, boolean committed) {
        arenas.increase(1);
        JfrEvents.arenaReserved(name, address, size, committed);
        verbose("reserved an arena of {} bytes at 0x{}{}", size, Long.toHexString(address), committed ? " (committed)" : "");
    }

    public void arenaReleased(long address, long size) {
        arenas.decrease(1);
        JfrEvents.arenaReleased(name, address, size);
        verbose("released the arena of {} bytes at 0x{}", size, Long.toHexString(address));
    }

    /**
     * Free memory was purged: {@code decommit} true when decommitted (it reads as zero once committed
     * again), false when only reset (madvise). Call once per purged range.
     */
    public void purged(long address, long size, boolean decommit) {
        purgeCalls.increment();
        purgedBytes.add(size);
        JfrEvents.purged(name, address, size, decommit);
    }

    /** A segment of an ended thread now waits to be reclaimed (for the thread engineer's abandon). */
    public void segmentAbandoned() {
        abandoned.increase(1);
    }

    /** An abandoned segment was taken over by a thread. */
    public void segmentReclaimed() {
        abandoned.decrease(1);
        segmentsReclaimed.increment();
    }

    /** An abandoned segment was freed without being reclaimed (its blocks were all freed). */
    public void abandonedSegmentFreed() {
        abandoned.decrease(1);
    }

    // ------------------------------------------------------------------ threads, collect, errors

    /** The counters of threads whose data was dropped (see {@link #retireThread}); guarded by this. */
    private final ThreadCounters retired = new ThreadCounters();

    /**
     * A thread's data is dropped (it ended and its segments were abandoned or freed): its counters
     * must outlive it — remote frees it made are subtracted there, its settled blocks are part of the
     * totals — so they move into the instance's retired counters, which snapshots add. Call before
     * the thread's {@code ThreadCounters} become unreachable; the thread counts as ended.
     */
    public synchronized void retireThread(ThreadCounters counters) {
        threadEnded(counters);
        counters.moveTo(retired);
        if (spareCount < spare.length && counters.changes(gauges)) {
            spare[spareCount++] = counters;
        }
    }

    /**
     * Counters of retired threads kept for new threads (mimalloc keeps the data of ended threads for
     * the next ones: {@code mi_thread_data_cache}). Their per-size-class arrays are most of the Java
     * heap a short-lived thread costs, and that heap shows in the RSS of programs that start many.
     */
    private final ThreadCounters[] spare = new ThreadCounters[16];
    private int spareCount;

    /** Zeroed counters of a retired thread for a new thread of this instance, or null when none is kept. */
    public synchronized ThreadCounters reuseCounters() {
        if (spareCount == 0) {
            return null;
        }
        ThreadCounters c = spare[--spareCount];
        spare[spareCount] = null;
        c.resetForReuse();
        return c;
    }

    /** Calls {@code action} with the retired counters while holding the lock that {@link #retireThread} takes. */
    public synchronized void withRetired(java.util.function.Consumer<ThreadCounters> action) {
        action.accept(retired);
    }

    public void threadStarted() {
        threads.increase(1);
    }

    /** The thread of {@code counters} is gone or done; counts each thread once. */
    synchronized void threadEnded(ThreadCounters counters) {
        if (!counters.ended) {
            counters.ended = true;
            threads.decrease(1);
        }
    }

    /**
     * {@link #threadEnded} for counters read at {@code tenure}: nothing when they have served another
     * thread since (a snapshot that found a dead thread whose data was retired and reused meanwhile).
     */
    public synchronized void threadEnded(ThreadCounters counters, int tenure) {
        if (counters.tenure() == tenure) {
            threadEnded(counters);
        }
    }

    /** The thread of {@code counters} allocates again after {@link #threadEnded}. */
    synchronized void threadResumed(ThreadCounters counters) {
        if (counters.ended) {
            counters.ended = false;
            threads.increase(1);
        }
    }

    void collected() {
        collectCalls.increment();
    }

    public void outOfMemory(String message) {
        outOfMemory.increment();
        JfrEvents.outOfMemory(name, message);
    }

    public void osFailure() {
        osFailures.increment();
    }

    public void misuse(String kind, long address, String message) {
        misuse.increment();
        JfrEvents.misuse(name, kind, address, message);
    }
}
