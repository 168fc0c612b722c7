package dev.nalloc.core;

import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.api.OptionValues;
import dev.nalloc.core.arena.Arenas;
import dev.nalloc.core.check.KeyedEncoding;
import dev.nalloc.core.check.Keys;
import dev.nalloc.core.check.ModePageHooks;
import dev.nalloc.core.arena.MemoryArena;
import dev.nalloc.core.arena.StartupMemory;
import dev.nalloc.core.os.Numa;
import dev.nalloc.core.os.Verbose;
import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.heap.HeapContext;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.heap.ThreadData;
import dev.nalloc.core.heap.ThreadHeaps;
import dev.nalloc.core.heap.ThreadRegistry;
import dev.nalloc.core.os.OsMemory;
import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageHooks;
import dev.nalloc.core.segment.AbandonedSegments;
import dev.nalloc.core.segment.SegmentMemory;
import dev.nalloc.core.segment.SegmentSpace;
import dev.nalloc.core.jfr.JfrEvents;
import dev.nalloc.core.jfr.StatsSource;
import dev.nalloc.core.stats.EngineStats;
import dev.nalloc.core.stats.StatsAtExit;
import dev.nalloc.core.stats.StatsSnapshot;
import dev.nalloc.core.stats.ThreadCounters;
import dev.nalloc.spi.AllocatorConfig;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.FreeListEncoding;
import dev.nalloc.spi.HeapSelectionPolicy;
import dev.nalloc.spi.PurgePolicy;


import dev.nalloc.api.HeapArea;
import dev.nalloc.api.HeapVisitor;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The state of one allocator instance: options, the OS layer, arenas, segment memory, the
 * thread-local default heaps and every thread's data (for statistics). Its identity is the
 * owner mark of the instance's segments.
 */
final class Engine implements StatsSource {

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    final AllocatorConfig config;
    final Reporter reporter;
    /** The OS layer of this instance: the configured one, set up by the options ({@code OsPrimitives.configure}). */
    final dev.nalloc.spi.OsPrimitives primitives;
    final OsMemory os;
    final Arenas arenas;
    final SegmentMemory segments;
    /** The options as they are now (the runtime ones may change: {@link #setOption}). */
    final LiveOptions options;
    private final boolean eagerCommit;
    private final long eagerCommitDelay;
    private final PurgePolicy purge;
    /** The instance's random secret (CHECKED and SECURE: page keys, canaries), 0 in FAST. */
    final long secret;
    /** Null in FAST; the encoding, random order and guard pages of the other modes. */
    private final PageHooks pageHooks;
    /** What this instance's heaps share (see {@link HeapContext}). */
    final HeapContext heapContext;
    /** Every thread with data of its own in this instance (dead-thread detection, statistics). */
    final ThreadRegistry registry = new ThreadRegistry();
    final AbandonedSegments abandoned;
    /**
     * Option {@code abandoned_reclaim_on_free}, read by every free into another thread's segment
     * ({@link #getVolatileReclaimOnFree}, {@link #setVolatileReclaimOnFree}).
     */
    private volatile boolean reclaimOnFree;
    /** Which threads get a heap of their own; the others lease shared ones (see {@link ThreadHeaps}). */
    final HeapSelectionPolicy heapPolicy;
    /** How a thread finds its heap; made last in the constructor (its shared heaps need the page hooks). */
    final ThreadHeaps threads;
    final Verbose verbose;
    final Numa numa;
    /** Start-up reservations, and the huge OS pages reserved later through the API. */
    private final StartupMemory startup;
    /** The shutdown hook of {@code destroy_on_exit}, or null. */
    private Thread exitHook;
    /** Set once by the close ({@link #getVolatileClosed}, {@link #setVolatileClosed}). */
    private volatile boolean closed;
    /** Taken by the one caller that closes the instance. */
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    /** The instance's name in statistics, JMX and JFR (option or builder, else generated). */
    final String name;
    final EngineStats stats;
    /** Derived figures and peaks that snapshots sample (no per-call counting on the hot paths). */
    private final StatsAssembler assembler = new StatsAssembler();
    private final WeakReference<StatsSource> jfrRegistration;
    private final StatsAtExit atExit;
    /** The instance as its users see it, once built (for the listeners at close). */
    private dev.nalloc.api.Allocator face;
    /** What the {@link dev.nalloc.spi.AllocatorListener}s run at close. */
    private List<Runnable> atClose = List.of();

    Engine(AllocatorConfig config) {
        this.config = config;
        OptionValues o = config.options();
        this.options = new LiveOptions(o);
        ErrorHandler handler = config.errorHandler() != null ? config.errorHandler()
                : ErrorHandler.defaultHandler(o.get(Option.MAX_WARNINGS));
        this.reporter = new Reporter(handler);
        this.primitives = config.os().configure(o); // the OS layer as this instance's options set it up (os_tag)
        this.os = new OsMemory(primitives, reporter, o.get(Option.RETRY_ON_OOM));
        this.name = config.name() != null ? config.name()
                : config.global() ? "global" : "nalloc-" + INSTANCES.incrementAndGet();
        this.stats = os.stats();
        registry.attachGauges(stats.gauges);
        stats.configure(name, o.isEnabled(Option.VERBOSE));
        reporter.attach(stats, o.isEnabled(Option.SHOW_ERRORS), o.get(Option.MAX_ERRORS));
        stats.verbose("starting: mode {}, os {}, options {}", config.mode(), primitives.name(), o);
        this.purge = config.purgePolicy() != null ? config.purgePolicy() : new OptionPurgePolicy(options);
        this.verbose = new Verbose(o.isEnabled(Option.VERBOSE));
        this.numa = new Numa(primitives, o.get(Option.USE_NUMA_NODES));
        boolean allowLarge = o.isEnabled(Option.ALLOW_LARGE_OS_PAGES);
        this.arenas = new Arenas(os, o.get(Option.ARENA_RESERVE), o.get(Option.ARENA_EAGER_COMMIT), purge, allowLarge);
        this.segments = new SegmentMemory(this, config.mode() == Mode.FAST ? Page.SPANS : EncodedPage.SPANS, os, arenas, !o.isEnabled(Option.DISALLOW_ARENA_ALLOC),
                !o.isEnabled(Option.DISALLOW_OS_ALLOC), numa.enabled() ? numa : null);
        this.eagerCommit = o.isEnabled(Option.EAGER_COMMIT);
        this.eagerCommitDelay = o.get(Option.EAGER_COMMIT_DELAY);
        this.abandoned = new AbandonedSegments(arenas, o.isEnabled(Option.VISIT_ABANDONED));
        setVolatileReclaimOnFree(o.isEnabled(Option.ABANDONED_RECLAIM_ON_FREE));
        this.heapPolicy = config.heapSelectionPolicy() != null ? config.heapSelectionPolicy()
                : new VirtualThreadsSharePolicy(Runtime.getRuntime().availableProcessors());
        this.startup = new StartupMemory(os, arenas, numa, verbose);
        startup.transparentHugePages(o.isEnabled(Option.ALLOW_THP));
        startup.largeOsPages(allowLarge);
        startup.numaNodes();
        if (!o.isEnabled(Option.DISALLOW_ARENA_ALLOC)) {
            startup.reserveHugeOsPages(o.get(Option.RESERVE_HUGE_OS_PAGES), o.get(Option.RESERVE_HUGE_OS_PAGES_AT));
            startup.reserveOsMemory(o.get(Option.RESERVE_OS_MEMORY));
        }
        this.jfrRegistration = JfrEvents.register(this);
        this.atExit = o.isEnabled(Option.SHOW_STATS) ? StatsAtExit.install(name, this::stats) : null;
        Mode mode = config.mode();
        if (mode == Mode.FAST) {
            this.secret = 0;
            this.pageHooks = null;
        } else {
            this.secret = Keys.secret(primitives);
            FreeListEncoding codec = config.freeListEncoding() != null ? config.freeListEncoding() : KeyedEncoding.INSTANCE;
            boolean secure = mode == Mode.SECURE;
            this.pageHooks = new ModePageHooks(codec, secret, secure, secure ? os : null);
            if (secure) {
                arenas.randomizePlacement();
            }
        }
        this.heapContext = new HeapContext(this, segments, abandoned, arenas, reporter, stats, registry, pageHooks,
                options::get, this::getVolatileClosed);
        this.threads = new ThreadHeaps(heapPolicy, this::newOwnHeap, () -> newThreadData(null), this::osThreadId);
        heapContext.setSalt(threads.salt); // own slots carry it: the fast paths index FastSlots with the claimed slot's
        // What close retires goes once nothing can reach the instance, and so does its fast-path
        // salt: a closed instance's calls must never find another instance's entries under it.
        os.freeRetiredWhenUnreachable(this, threads.saltRelease());
        reporter.flush(); // what the start-up reservations met
    }

    /**
     * The OS thread running the caller, for the carrier affinity of leased heaps. A hint only: an OS
     * layer that fails here costs the affinity, never an allocation.
     */
    private long osThreadId() {
        try {
            return primitives.osThreadId();
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }

    /**
     * Option {@code destroy_on_exit}: all memory goes back to the OS when the JVM shuts down, even
     * that of live blocks (a thread still using them then faults, as with mimalloc). {@code release}
     * is the allocator's own release (it also empties its fast-path slot).
     */
    void registerExitHook(Runnable release) {
        if (config.options().isEnabled(Option.DESTROY_ON_EXIT)) {
            exitHook = new Thread(release, "nalloc-destroy-on-exit");
            Runtime.getRuntime().addShutdownHook(exitHook);
        }
    }

    /**
     * Changes a runtime option (see {@link LiveOptions#set}) and passes it to the parts that keep
     * it in a field of their own; the others read {@link #options} where they act.
     */
    void setOption(Option option, long value) {
        synchronized (options) {
            options.set(option, value);
            switch (option) {
                case SHOW_ERRORS, MAX_ERRORS -> reporter.attach(stats, options.isEnabled(Option.SHOW_ERRORS),
                        options.get(Option.MAX_ERRORS));
                case VERBOSE -> {
                    stats.configure(name, value != 0);
                    verbose.enable(value != 0);
                }
                case RETRY_ON_OOM -> os.retryOnOom(value);
                case ARENA_RESERVE -> arenas.reserveSize(value);
                case DISALLOW_OS_ALLOC -> segments.allowOs(value == 0);
                case DISALLOW_ARENA_ALLOC -> segments.allowArena(value == 0);
                case ABANDONED_RECLAIM_ON_FREE -> setVolatileReclaimOnFree(value != 0);
                default -> {
                    // read where it acts: purging, generic_collect, max_segment_reclaim,
                    // abandoned_page_purge, target_segments_per_thread
                }
            }
        }
    }

    /**
     * Reserves huge OS pages now (the API's {@code reserveHugeOsPagesAt} with {@code interleave}
     * false, {@code reserveHugeOsPagesInterleave} with it true).
     */
    long reserveHugeOsPages(long pages, int nodeOrNodes, long timeoutMillis, boolean interleave) {
        if (pages < 0 || timeoutMillis < 0 || (!interleave && nodeOrNodes < -1) || (interleave && nodeOrNodes < 0)) {
            throw new IllegalArgumentException("nalloc: reserveHugeOsPages" + (interleave ? "Interleave" : "At")
                    + ": negative argument (pages " + pages + ", " + (interleave ? "nodes " : "node ") + nodeOrNodes
                    + ", timeout " + timeoutMillis + " ms)");
        }
        if (options.isEnabled(Option.DISALLOW_ARENA_ALLOC)) {
            throw new IllegalStateException("nalloc: huge OS pages are arenas, and this allocator has disallow_arena_alloc set");
        }
        long timeoutNanos = Math.min(timeoutMillis, Long.MAX_VALUE / 2_000_000L) * 1_000_000L;
        return interleave ? startup.reserveHugeOsPagesInterleave(pages, nodeOrNodes, timeoutNanos)
                : startup.reserveHugeOsPagesAt(pages, nodeOrNodes, timeoutNanos);
    }

    void registerDeferredFree(dev.nalloc.api.DeferredFree fn) {
        heapContext.registerDeferredFree(fn);
    }

    /** The shutdown hook of {@code destroy_on_exit}, or null when the option is off. */
    Thread exitHook() {
        return exitHook;
    }

    /** The arena-bound segment space of a heap in {@code arena} for the calling thread. */
    SegmentSpace newArenaSpace(ThreadData tld, MemoryArena arena) {
        return new SegmentSpace(tld.thread, segments, eagerCommit, eagerCommitDelay, purge, arena, tld.counters);
    }

    private ThreadData newThreadData(Thread t) {
        ThreadCounters reused = stats.reuseCounters(); // a retired thread's, zeroed: no new per-bin arrays
        SegmentSpace space = reused == null
                ? new SegmentSpace(t, segments, eagerCommit, eagerCommitDelay, purge)
                : new SegmentSpace(t, segments, eagerCommit, eagerCommitDelay, purge, null, reused);
        return new ThreadData(t, space, heapContext);
    }

    /** The calling thread's own default heap, made (and the thread registered) on first use. */
    LocalHeap ownHeap() {
        return threads.ownHeap();
    }

    /** Makes the data and default heap of thread {@code t} (the calling thread) and registers it. */
    private LocalHeap newOwnHeap(Thread t) {
        ThreadData tld = newThreadData(t);
        LocalHeap h = LocalHeap.newDefault(tld);
        registry.add(tld);
        stats.threadStarted();
        return h;
    }

    /**
     * The calling thread is done with this instance (threadDone): its data is retired (segments
     * abandoned) and forgotten, so a later allocation starts afresh; a lease it holds is given back.
     */
    void retireCurrentThread() {
        LocalHeap h = threads.ownHeapIfAny();
        if (h != null) {
            for (LocalHeap heap : h.tld.heaps()) { // before anything changes: a visit must not lose its heap
                heap.checkNotVisited("threadDone");
            }
            threads.forgetOwnHeap();
            if (h.tld.hasOpenArenas()) {
                registry.retireAfterArenas(h.tld); // the last arena to close retires the rest
            } else {
                registry.retire(h.tld);
            }
        }
        threads.releaseLease();
    }

    /** The calling thread's data in this instance (made on first use). */
    ThreadData currentThreadData() {
        return ownHeap().tld;
    }

    // ------------------------------------------------------------------ statistics and shutdown

    /**
     * Live blocks are the pages' {@code used} counts plus each thread's remote-free adjustments (see
     * {@link dev.nalloc.core.stats.ThreadCounters}); {@code StatsAssembler} derives the rest.
     */
    StatsSnapshot stats() {
        List<ThreadCounters> all = new ArrayList<>();
        for (ThreadData t : registry.threads()) {
            int tenure = t.counters.tenure(); // before the retired test: counters of retired data may serve a new thread
            if (!t.getVolatileRetired() && !t.thread.isAlive()) {
                stats.threadEnded(t.counters, tenure); // dead, not yet retired
            }
            all.add(t.counters);
        }
        for (ThreadData d : threads.leaseData()) {
            all.add(d.counters);
        }
        all.add(registry.unownedTotals(abandoned.pages()));
        return assembler.assemble(name, stats, segments, all, primitives);
    }

    /**
     * Every peak starts afresh from the value now: the gauges' (floored by the exact live figures of a
     * snapshot, which sees what threads have not published yet), the counts', and the sampled ones.
     */
    synchronized void resetPeaks() {
        // The caller's own pending changes (its heap's, or its lease's) are in the published values then.
        dev.nalloc.core.heap.HeapSlot slot = threads.held();
        if (slot != null && slot.heap != null) {
            slot.enter(); // busy: a lease is not taken over while its counters are flushed
            try {
                if (slot.getVolatileOwner() == Thread.currentThread()) {
                    slot.heap.tld.counters.flush();
                }
            } finally {
                slot.exit();
            }
        }
        StatsSnapshot now = stats();
        stats.gauges.resetPeaks(now.allocated(), now.allocationCount());
        stats.resetCountPeaks();
        assembler.resetPeaks();
    }

    @Override
    public String statsName() {
        return name;
    }

    @Override
    public StatsSnapshot statsForEvent() {
        return getVolatileClosed() ? null : stats();
    }

    /**
     * mimalloc's {@code mi_abandoned_visit_blocks} over this instance (see
     * {@link dev.nalloc.core.heap.SegmentReclaim}): needs option {@code visit_abandoned}, as in
     * mimalloc, since only with it do reclaim searches step aside for a visit. The calling thread's
     * heap (its own, or its lease, counted busy for the visit) does the collecting.
     */
    boolean visitAbandoned(int tag, boolean all, HeapVisitor visitor, dev.nalloc.core.heap.BlockAddress address) {
        if (!abandoned.visitable()) {
            throw new IllegalStateException("nalloc: visiting abandoned blocks needs the option visit_abandoned "
                    + "when the allocator is built (NALLOC_VISIT_ABANDONED=1, -Dnalloc.visit_abandoned=1)");
        }
        if (tag < -1 || tag > 255) {
            throw new IllegalArgumentException("nalloc: a heap tag is -1 (all) or 0 to 255, not " + tag);
        }
        dev.nalloc.core.heap.HeapSlot slot = threads.enter(this::checkOpen);
        try {
            return dev.nalloc.core.heap.SegmentReclaim.visitAbandoned(slot.heap, tag, all, visitor, address);
        } finally {
            slot.exit();
        }
    }

    /** Visits every page of every live segment as an area (any thread; racy reads of other threads' pages). */
    void visitAreas(HeapVisitor visitor) {
        boolean[] stop = {false};
        segments.forEachPageSpan(s -> {
            Page p = (Page) s;
            if (stop[0] || p.getAcquireHugeReleased()) {
                return;
            }
            long bs = p.blockSize();
            HeapArea area = new HeapArea(p.areaStart(), p.areaSize(), (long) p.capacity() * bs, p.used(), bs, bs, p.tag());
            if (!visitor.visit(area, 0, bs)) {
                stop[0] = true;
            }
        });
    }

    /**
     * The instance is built: {@code face} is what {@code build()} returns (the outermost layer).
     * The {@link dev.nalloc.spi.AllocatorListener}s learn of it (JMX registration).
     */
    void built(dev.nalloc.api.Allocator face) {
        this.face = face;
        this.atClose = Listeners.built(face, config);
        JitDirectives.request(config.options().isEnabled(Option.JIT_DIRECTIVES), verbose); // after JMX registration
    }

    /** Option {@code show_stats}: {@code text} (if it gives any) is printed after the statistics at exit. */
    void atExitAlso(java.util.function.Supplier<String> text) {
        if (atExit != null) {
            atExit.alsoAtExit(text);
        }
    }

    // ================================================================== volatile flags (the ordering in the name)

    /**
     * Whether the instance is closed, read with volatile semantics: a call that begins after the
     * close's store sees it and fails; a call already past its check when the close runs is kept
     * off released memory by the close's later steps (the OS gate, the segments' retirement), not by
     * this flag.
     */
    boolean getVolatileClosed() {
        return closed;
    }

    /** Marks the instance closed with a volatile store (the closing thread, first thing of its close). */
    void setVolatileClosed() {
        closed = true;
    }

    /**
     * Option {@code abandoned_reclaim_on_free}, read with volatile semantics (a runtime option: a
     * change is seen by the next free that reads it; no other state hangs on it).
     */
    boolean getVolatileReclaimOnFree() {
        return reclaimOnFree;
    }

    /** Sets option {@code abandoned_reclaim_on_free} with a volatile store (construction, {@code setOption}). */
    private void setVolatileReclaimOnFree(boolean value) {
        reclaimOnFree = value;
    }

    /** Throws {@link IllegalStateException} when the instance is closed (every mode's entry points). */
    void checkOpen() {
        if (getVolatileClosed()) {
            throw new IllegalStateException("nalloc: the allocator is closed");
        }
    }

    /** True for the one caller that closes the instance (then {@link #close}): a compare-and-set of {@code closing}. */
    boolean casClosing() {
        return closing.compareAndSet(false, true);
    }

    /**
     * Gives every segment and arena back, safely for threads that are still inside a call of the
     * instance (a program may close it while others use it, though the docs ask it not to): those
     * calls complete or fail with {@link IllegalStateException}, never touch unmapped memory.
     * <ol>
     * <li>{@code closed} is set (new calls fail), reports of racing calls become that exception;</li>
     * <li>the OS gate waits for the OS calls under way, and refuses new ones that would make memory
     * usable ({@link OsMemory#close});</li>
     * <li>every segment leaves the segment map and every reservation is retired: its contents are
     * dropped now (its physical memory goes back to the OS), it stays mapped and accessible, and is
     * freed once this engine is unreachable, that is, once no thread can be in one of its calls
     * (every object a call works with reaches the engine).</li>
     * </ol>
     */
    void close() {
        Listeners.closed(atClose, face); // first: monitoring lets go while the instance still answers
        if (atExit != null) {
            atExit.printNow(); // before the memory goes: what the instance held at its end
        }
        setVolatileClosed();
        JfrEvents.unregister(jfrRegistration);
        stats.verbose("closing");
        if (exitHook != null && Thread.currentThread() != exitHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(exitHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) anyway; releasing twice is harmless
            }
        }
        reporter.close();
        os.close();
        segments.retireAll();
        os.retireUnreleased();
        stats.closed(); // what calls racing with the close still count changes nothing now
        threads.forgetOwnHeap(); // the closing thread's heaps must not keep the closed engine reachable
        registry.clear();
        abandoned.clear();
        for (ThreadData d : threads.leaseData()) {
            d.counters.clear();
        }
        stats.gauges.clear();
        RuntimeException handlerError = os.takeCloseError();
        if (handlerError != null) {
            throw handlerError;
        }
    }
}
