package dev.nalloc.core.heap;

import dev.nalloc.core.stats.Gauges;
import dev.nalloc.core.stats.ThreadCounters;
import dev.nalloc.core.stats.UnownedFrees;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The thread data of one allocator instance, for dead-thread detection and statistics. Java has no
 * thread-exit hook, so threads that ended without {@code threadDone} are found here: a thread that
 * is no longer alive gets its data retired (its segments abandoned) by whichever thread notices
 * first. Retired data leaves the registry, so neither the data nor the {@link Thread} object is
 * kept for a thread that is gone; its counters are folded into totals kept here.
 *
 * <p>Finding a thread's end through {@link Thread#isAlive()} also gives the memory-model guarantee
 * the takeover needs: everything the ended thread did happens-before the check returning false.
 */
public final class ThreadRegistry {

    private final Set<ThreadData> live = ConcurrentHashMap.newKeySet();
    private final LongAdder retiredCount = new LongAdder();
    /** Registers the data of a thread that just started using the instance. */
    public void add(ThreadData tld) {
        live.add(tld);
    }

    /**
     * Retires the data of every registered thread that has ended (any thread may call it).
     *
     * @return how many were retired by this call
     */
    int reapDead() {
        int n = 0;
        for (ThreadData t : live) {
            if (!t.thread.isAlive() && retire(t)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Retires {@code tld}: abandons its segments, folds its counters, forgets it. Only the owner
     * thread (threadDone) or a thread that saw the owner dead may call it.
     *
     * @return false when another caller retired it already
     */
    public boolean retire(ThreadData tld) {
        if (!tld.casRetired()) {
            return false;
        }
        tld.retireSlot();
        ThreadAbandon.abandon(tld);
        tld.context.retireThread(tld.counters); // the instance's retired counters keep them
        retiredCount.increment();
        live.remove(tld);
        return true;
    }

    /**
     * {@code threadDone} of a thread whose arenas are still open (its own thread): what does not
     * hold the arenas' blocks goes now (first-class heaps deleted into the default heap, handles of
     * the default heap dead), the rest (the arenas' heaps, the default heap, the segments) waits
     * until the last arena closes and calls {@link #retire}. Until then an open arena works as
     * before, and its close frees its blocks.
     */
    public void retireAfterArenas(ThreadData tld) {
        ThreadAbandon.keepForArenas(tld);
        tld.retireWhenArenasClose();
    }

    /**
     * Where the remote frees of threads without data of their own are counted: the instance's
     * gauges' counts once attached (the live gauges derive their part from them), until then counts
     * of their own (see {@link #getVolatileUnownedFrees}). Volatile: attached by the engine's
     * constructor, read by whatever thread builds a snapshot or closes the instance.
     */
    private volatile UnownedFrees unowned = new UnownedFrees();

    /** Counts the frees of threads without data of their own in {@code gauges}' counts. */
    public void attachGauges(Gauges gauges) {
        setVolatileUnownedFrees(gauges.unowned);
    }

    /** Sets where those frees count, with a volatile store. */
    private void setVolatileUnownedFrees(UnownedFrees u) {
        this.unowned = u;
    }

    /**
     * Where a thread without data of its own counts a free of a block that a page still counts as
     * used ({@link UnownedFrees#countOpaque}: the statistics and the live gauges both read it), read
     * with volatile semantics. The engine attaches its gauges before it builds its free routing,
     * which keeps this in a final field: a free-only thread's every free counts, and this field is a
     * dependent load less there.
     */
    public UnownedFrees getVolatileUnownedFrees() {
        return unowned;
    }

    /** Threads registered now. */
    int size() {
        return live.size();
    }

    /** Thread data retired so far (threadDone or dead). */
    long retired() {
        return retiredCount.sum();
    }

    /** The registered threads' data (a weakly consistent view). */
    public Iterable<ThreadData> threads() {
        return live;
    }

    /**
     * Counters for what no thread's counters hold: the remote frees of threads without data of their
     * own, and {@code abandonedPages} (pages in abandoned segments) as pages.
     */
    public ThreadCounters unownedTotals(long abandonedPages) {
        ThreadCounters t = new ThreadCounters();
        getVolatileUnownedFrees().addToOpaque(t.adjust);
        t.addPages(abandonedPages);
        return t;
    }

    /** The instance closed: every block is gone. */
    public void clear() {
        for (ThreadData t : live) {
            t.counters.clear();
        }
        getVolatileUnownedFrees().clearVolatile();
    }
}
