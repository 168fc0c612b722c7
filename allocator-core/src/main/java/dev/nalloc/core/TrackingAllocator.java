package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.ArenaId;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Heap;
import dev.nalloc.api.HeapVisitor;
import dev.nalloc.api.LeakReport;
import dev.nalloc.api.Mode;
import dev.nalloc.core.heap.LocalHeap;
import dev.nalloc.core.leak.SiteTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Leak detection's layer (option {@code leak_detection} {@code sampled} or {@code all}): wraps the
 * instance's allocator of any mode, records the stack of the allocations it samples and forgets a
 * record when its block goes, whatever frees it: {@code free}, {@code realloc} (the record follows
 * a moved block), a heap's {@code destroy()} or an arena's {@code close()} (every record in the
 * heap's pages), the instance's {@code close()} (all). The layer is chosen when the instance is
 * built ({@link NallocProvider}): an instance without leak detection has none of it, so its malloc
 * and free pay nothing for the feature.
 *
 * <p>Reports: {@link #leakReport()}; a warning (logger {@code dev.nalloc.leak}, and the error
 * handler as {@link ErrorKind#LEAK}) when the instance closes or a heap is destroyed with recorded
 * blocks live; with {@code show_stats}, after the statistics at exit.
 */
final class TrackingAllocator implements Allocator {

    /** Made on the first report: SLF4J (and its binding) starts only when something is logged. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger("dev.nalloc.leak");
    }
    /** Sites listed in a warning at most (the report has them all). */
    static final int SITES_IN_WARNINGS = 20;

    final Allocator inner;
    private final Engine engine;
    final SiteTracker tracker;
    private final boolean global;
    private final ThreadLocal<TrackingHeap> defaultHeaps = new ThreadLocal<>();
    private final AtomicBoolean closing = new AtomicBoolean();

    TrackingAllocator(Allocator inner, Engine engine) {
        this.inner = inner;
        this.engine = engine;
        this.global = engine.config.global();
        this.tracker = new SiteTracker(engine.name, engine.config.options(), Set.of(TrackingAllocator.class,
                TrackingHeap.class, TrackingArena.class, SiteTracker.class, Allocator.class, Heap.class,
                SegmentAllocator.class, Arena.class));
        engine.atExitAlso(() -> {
            LeakReport r = tracker.report();
            return r.isEmpty() ? null : ErrorKind.LEAK.message(r.render("instance '" + engine.name + "' at exit", SITES_IN_WARNINGS));
        });
    }

    /** Records the block just allocated (0: nothing) when it is sampled. */
    long tracked(long address, long size, long alignment) {
        if (address != 0 && tracker.sample()) {
            tracker.record(address, size, alignment);
        }
        return address;
    }

    /** A realloc through {@code op} (of the instance or a heap): the block's record follows it. */
    long realloc(long address, long newSize, long alignment, java.util.function.LongBinaryOperator op) {
        Object taken = tracker.beforeRealloc(address);
        long result = 0;
        boolean threw = true;
        try {
            result = op.applyAsLong(address, newSize);
            threw = false;
            return result;
        } finally {
            tracker.reallocated(taken, address, result, newSize, alignment, threw);
        }
    }

    /** Logs a report of live recorded blocks as a warning and hands it to the error handler (which may throw). */
    void leaked(LeakReport report, String what) {
        String details = report.render(what, SITES_IN_WARNINGS);
        Log.LOG.warn("{}", ErrorKind.LEAK.message(details));
        long first = report.sites().isEmpty() || report.sites().get(0).addresses().isEmpty()
                ? 0 : report.sites().get(0).addresses().get(0);
        engine.reporter.reportAtClose(ErrorKind.LEAK, first, details); // at close too: the report is the instance's last word
    }

    String name() {
        return engine.name;
    }

    /** Whether the instance is closed (a volatile read: {@link Engine#getVolatileClosed}). */
    boolean getVolatileClosed() {
        return engine.getVolatileClosed();
    }

    // ================================================================== allocation

    @Override
    public long malloc(long size) {
        return tracked(inner.malloc(size), size, 1);
    }

    @Override
    public long zalloc(long size) {
        return tracked(inner.zalloc(size), size, 1);
    }

    @Override
    public long calloc(long count, long size) {
        long a = inner.calloc(count, size);
        return a == 0 ? 0 : tracked(a, count * size, 1);
    }

    @Override
    public long mallocn(long count, long size) {
        long a = inner.mallocn(count, size);
        return a == 0 ? 0 : tracked(a, count * size, 1);
    }

    @Override
    public long realloc(long address, long newSize) {
        return realloc(address, newSize, 1, inner::realloc);
    }

    /** As the engine's: a failed realloc frees the block (through this layer, so its record goes). */
    @Override
    public long reallocf(long address, long newSize) {
        long fresh = realloc(address, newSize);
        if (fresh == 0 && address != 0 && inner.isInHeapRegion(address)) {
            free(address);
        }
        return fresh;
    }

    @Override
    public long expand(long address, long newSize) {
        long a = inner.expand(address, newSize);
        if (a != 0) {
            tracker.resized(a, newSize);
        }
        return a;
    }

    @Override
    public long mallocAligned(long size, long alignment) {
        return tracked(inner.mallocAligned(size, alignment), size, alignment);
    }

    @Override
    public long mallocAlignedAt(long size, long alignment, long offset) {
        return tracked(inner.mallocAlignedAt(size, alignment, offset), size, alignment);
    }

    @Override
    public long zallocAligned(long size, long alignment) {
        return tracked(inner.zallocAligned(size, alignment), size, alignment);
    }

    @Override
    public long reallocAligned(long address, long newSize, long alignment) {
        return realloc(address, newSize, alignment, (a, n) -> inner.reallocAligned(a, n, alignment));
    }

    @Override
    public long zallocAlignedAt(long size, long alignment, long offset) {
        return tracked(inner.zallocAlignedAt(size, alignment, offset), size, alignment);
    }

    @Override
    public long callocAligned(long count, long size, long alignment) {
        long a = inner.callocAligned(count, size, alignment);
        return a == 0 ? 0 : tracked(a, count * size, alignment);
    }

    @Override
    public long callocAlignedAt(long count, long size, long alignment, long offset) {
        long a = inner.callocAlignedAt(count, size, alignment, offset);
        return a == 0 ? 0 : tracked(a, count * size, alignment);
    }

    @Override
    public long reallocAlignedAt(long address, long newSize, long alignment, long offset) {
        return realloc(address, newSize, alignment, (a, n) -> inner.reallocAlignedAt(a, n, alignment, offset));
    }

    @Override
    public long rezalloc(long address, long newSize) {
        return realloc(address, newSize, 1, inner::rezalloc);
    }

    @Override
    public long recalloc(long address, long count, long size) {
        return realloc(address, count * size, 1, (a, n) -> inner.recalloc(a, count, size));
    }

    @Override
    public long reallocn(long address, long count, long size) {
        return realloc(address, count * size, 1, (a, n) -> inner.reallocn(a, count, size));
    }

    @Override
    public long rezallocAligned(long address, long newSize, long alignment) {
        return realloc(address, newSize, alignment, (a, n) -> inner.rezallocAligned(a, n, alignment));
    }

    @Override
    public long rezallocAlignedAt(long address, long newSize, long alignment, long offset) {
        return realloc(address, newSize, alignment, (a, n) -> inner.rezallocAlignedAt(a, n, alignment, offset));
    }

    @Override
    public long recallocAligned(long address, long count, long size, long alignment) {
        return realloc(address, count * size, alignment, (a, n) -> inner.recallocAligned(a, count, size, alignment));
    }

    @Override
    public long recallocAlignedAt(long address, long count, long size, long alignment, long offset) {
        return realloc(address, count * size, alignment, (a, n) -> inner.recallocAlignedAt(a, count, size, alignment, offset));
    }

    @Override
    public void free(long address) {
        if (address != 0) {
            tracker.forget(address); // first: once the block is free another thread may get its address
        }
        inner.free(address);
    }

    @Override
    public long usableSize(long address) {
        return inner.usableSize(address);
    }

    @Override
    public long goodSize(long size) {
        return inner.goodSize(size);
    }

    @Override
    public boolean isInHeapRegion(long address) {
        return inner.isInHeapRegion(address);
    }

    // ================================================================== heaps, segments, arenas

    @Override
    public Heap heap() {
        Heap h = inner.heap();
        TrackingHeap t = defaultHeaps.get();
        if (t == null || t.inner != h) {
            t = new TrackingHeap(this, h, true);
            defaultHeaps.set(t);
        }
        return t;
    }

    @Override
    public Heap newHeap() {
        return new TrackingHeap(this, inner.newHeap(), false);
    }

    /** The tracking handle the calling thread last set as its default heap (see {@link #defaultHeap}). */
    private final ThreadLocal<TrackingHeap> defaultSet = new ThreadLocal<>();

    @Override
    public Heap defaultHeap() {
        return handleOf(inner.defaultHeap());
    }

    /** The tracking handle of {@code innerHeap}, the calling thread's default heap now or until now. */
    private Heap handleOf(Heap innerHeap) {
        TrackingHeap set = defaultSet.get();
        return set != null && set.inner == innerHeap ? set : heap();
    }

    @Override
    public Heap setDefaultHeap(Heap heap) {
        java.util.Objects.requireNonNull(heap, "heap");
        if (!(heap instanceof TrackingHeap t) || t.allocator() != this) {
            throw new IllegalArgumentException("nalloc: setDefaultHeap: the heap belongs to another allocator");
        }
        Heap previous = handleOf(inner.setDefaultHeap(t.inner));
        defaultSet.set(t);
        return previous;
    }

    @Override
    public Heap newHeap(int tag, boolean allowDestroy, ArenaId arena) {
        return new TrackingHeap(this, inner.newHeap(tag, allowDestroy, arena), false);
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        MemorySegment s = inner.allocate(byteSize, byteAlignment);
        tracked(s.address(), byteSize, byteAlignment);
        return s;
    }

    @Override
    public MemorySegment asSegment(long address, long byteSize) {
        return inner.asSegment(address, byteSize);
    }

    @Override
    public MemorySegment asSegment(long address, long byteSize, Arena arena) {
        return inner.asSegment(address, byteSize, arena);
    }

    @Override
    public void free(MemorySegment segment) {
        if (segment.isNative() && segment.address() != 0) {
            tracker.forget(segment.address());
        }
        inner.free(segment);
    }

    @Override
    public Arena newArena() {
        Arena a = inner.newArena();
        LocalHeap h = ((NallocArena) a).heap();
        return new TrackingArena(this, a, h);
    }

    @Override
    public ArenaId reserveOsMemory(long size, boolean commit, boolean exclusive) {
        return inner.reserveOsMemory(size, commit, exclusive);
    }

    @Override
    public ArenaId manageOsMemory(long address, long size, boolean committed, boolean zero, boolean exclusive, int numaNode) {
        return inner.manageOsMemory(address, size, committed, zero, exclusive, numaNode);
    }

    @Override
    public Heap newHeapInArena(ArenaId arena) {
        return new TrackingHeap(this, inner.newHeapInArena(arena), false);
    }

    @Override
    public long reserveHugeOsPagesAt(long pages, int numaNode, long timeoutMillis) {
        return inner.reserveHugeOsPagesAt(pages, numaNode, timeoutMillis);
    }

    @Override
    public long reserveHugeOsPagesInterleave(long pages, int numaNodes, long timeoutMillis) {
        return inner.reserveHugeOsPagesInterleave(pages, numaNodes, timeoutMillis);
    }

    @Override
    public long option(dev.nalloc.api.Option option) {
        return inner.option(option);
    }

    @Override
    public dev.nalloc.api.OptionValues options() {
        return inner.options();
    }

    @Override
    public void setOption(dev.nalloc.api.Option option, long value) {
        inner.setOption(option, value);
    }

    @Override
    public void registerDeferredFree(dev.nalloc.api.DeferredFree deferredFree) {
        inner.registerDeferredFree(deferredFree);
    }

    @Override
    public boolean visitAbandonedBlocks(int heapTag, boolean visitAllBlocks, HeapVisitor visitor) {
        return inner.visitAbandonedBlocks(heapTag, visitAllBlocks, visitor);
    }

    @Override
    public void collect(boolean force) {
        inner.collect(force);
    }

    @Override
    public void threadDone() {
        inner.threadDone();
        defaultHeaps.remove();
    }

    @Override
    public AllocatorStats stats() {
        return inner.stats();
    }

    @Override
    public void resetPeaks() {
        inner.resetPeaks();
    }

    @Override
    public void visitHeapAreas(HeapVisitor visitor) {
        inner.visitHeapAreas(visitor);
    }

    @Override
    public LeakReport leakReport() {
        engine.checkOpen();
        return tracker.report();
    }

    @Override
    public Mode mode() {
        return inner.mode();
    }

    /**
     * Reports the recorded blocks still live (a warning, and the error handler, which may throw
     * then: the instance is closed by that time), after the memory has gone back.
     */
    @Override
    public void close() {
        if (global || !closing.compareAndSet(false, true)) {
            inner.close(); // the global instance throws; a second close does nothing
            return;
        }
        LeakReport live = tracker.report();
        try {
            inner.close();
        } finally {
            tracker.clear();
        }
        if (!live.isEmpty()) {
            leaked(live, "instance '" + engine.name + "' closed");
        }
    }

    /** The blocks of {@code heap}'s pages are about to be freed at once: their records go; returns them. */
    TreeMap<Long, Object> forgetPagesOf(java.util.function.Consumer<HeapVisitor> visitPages) {
        TreeMap<Long, Object> removed = new TreeMap<>();
        visitPages.accept((area, block, blockSize) -> {
            tracker.forgetRange(area.blocks(), area.blocks() + area.reserved(), removed);
            return true;
        });
        return removed;
    }

    @Override
    public String toString() {
        return inner.toString();
    }
}
