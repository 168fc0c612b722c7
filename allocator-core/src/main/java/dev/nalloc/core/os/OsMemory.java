package dev.nalloc.core.os;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.stats.EngineStats;
import dev.nalloc.spi.OsPrimitives;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's only way to the OS (mimalloc's {@code os.c}): aligned reservations, commit,
 * decommit, reset and release over {@link OsPrimitives}, with the reserved and committed byte
 * counts kept here and OS failures reported (and degraded) through the {@link Reporter}.
 *
 * <p>Failures are counted at once and reported at the end of the engine step under way
 * ({@link Reporter#reportLater}, {@link Reporter#flush}): a handler that throws must not leave the
 * engine's books half done. A call that fails because the Java heap is exhausted (the OS layer's
 * downcalls and results take a little Java memory) is a failure like any other: a reservation or
 * commit is not used, anything else is taken in the safe direction as below, and it is counted
 * only (a report would need Java heap).
 *
 * <p>An OS layer is trusted to say when it failed, not to stay sane: a call that throws (or
 * returns null) counts as a failed call whose effect is unknown, reported once as
 * {@code OS_FAILURE} and then treated in whichever direction is safe: memory it was to make usable
 * is not used, memory it was to take away must be made usable again before it is.
 *
 * <p>Closing is a gate ({@link #close}): it waits for the OS calls in flight, after which calls
 * that would make memory usable throw {@link IllegalStateException} (the racing caller's
 * operation fails) and calls that give memory back do nothing, except releases, which retire the
 * range like every other reservation of the instance: contents dropped now, address space freed
 * once the instance is unreachable ({@link RetiredMemory}).
 */
public final class OsMemory {

    private final OsPrimitives os;
    private final Reporter reporter;
    private final long pageSize;
    private final long physicalMemory;
    private final boolean overcommit;
    /** The instance's statistics: this class counts OS calls and reserved/committed bytes there. */
    private final EngineStats stats = new EngineStats();

    private volatile long retryOnOomMillis;

    /** OS calls under way (see {@link #close}). */
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closed;
    private final RetiredMemory retired;

    OsMemory(OsPrimitives os, Reporter reporter) {
        this(os, reporter, 0);
    }

    /**
     * @param retryOnOomMillis how long a reservation that failed for lack of memory is retried
     *                         (option {@code retry_on_oom}); only for sizes below physical memory
     */
    public OsMemory(OsPrimitives os, Reporter reporter, long retryOnOomMillis) {
        this.os = os;
        this.reporter = reporter;
        this.retryOnOomMillis = Math.max(0, retryOnOomMillis);
        OsPrimitives.MemoryConfig config = os.memoryConfig();
        this.pageSize = Math.max(4096, config.pageSize());
        this.physicalMemory = config.physicalMemory();
        this.overcommit = config.hasOvercommit();
        this.retired = new RetiredMemory(os);
    }

    /** Option {@code retry_on_oom} changed at run time. */
    public void retryOnOom(long millis) {
        this.retryOnOomMillis = Math.max(0, millis);
    }

    /** The statistics of the instance this OS layer serves. */
    public EngineStats stats() {
        return stats;
    }

    public OsPrimitives primitives() {
        return os;
    }

    public long pageSize() {
        return pageSize;
    }

    public boolean hasOvercommit() {
        return overcommit;
    }

    /** Physical memory in bytes, or 0 when unknown. */
    long physicalMemory() {
        return physicalMemory;
    }

    // ------------------------------------------------------------------ closing

    /**
     * Registers the instance: once it is unreachable (no thread can be inside one of its calls),
     * the reservations retired at and after {@link #close} are freed. Until close, nothing is.
     */
    void freeRetiredWhenUnreachable(Object instance) {
        freeRetiredWhenUnreachable(instance, () -> { });
    }

    /** As {@link #freeRetiredWhenUnreachable(Object)}, then runs {@code also} (which must not hold the instance). */
    public void freeRetiredWhenUnreachable(Object instance, Runnable also) {
        retired.freeWhenUnreachable(instance, also);
    }

    /**
     * The instance closes: waits until no OS call of another thread is under way; from then on the
     * calls behave as the class comment says. Idempotent.
     */
    public void close() {
        closed = true;
        for (int spins = 0; inFlight.get() != 0; spins++) {
            if (spins < 100) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Retires a reservation of the closed instance ({@code committedBytes} of it counted as
     * committed): its contents are dropped now, it stays mapped until the instance is unreachable.
     */
    public void retire(long address, long size, long committedBytes) {
        String failure = call(DISCARD, address, size);
        if (!retired.add(address, size)) {
            call(FREE, address, size); // the instance is unreachable already: nothing can touch it
        }
        stats.osReleased(size, committedBytes); // counts nothing once the close is done (EngineStats.closed)
        if (failure != null) {
            try {
                reporter.reportAtClose(ErrorKind.OS_FAILURE, address, "could not drop the contents of " + size
                        + " bytes at " + Reporter.hex(address) + " at close: " + failure
                        + "; they go with the address space");
            } catch (RuntimeException e) { // a throwing handler must not stop the close half-way
                closeError.compareAndSet(null, e);
            }
        }
    }

    /** The first exception an error handler threw at close, for the close to throw at its end. */
    private final java.util.concurrent.atomic.AtomicReference<RuntimeException> closeError =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** Takes the first exception an error handler threw while the instance closed, or null. */
    public RuntimeException takeCloseError() {
        return closeError.getAndSet(null);
    }

    /** Reservations the OS refused to free: retired with the others at close. */
    private final java.util.List<long[]> unreleased = new java.util.ArrayList<>();

    /** At close: retires the reservations the OS refused to free earlier (see {@link #release}). */
    public void retireUnreleased() {
        java.util.List<long[]> all;
        synchronized (unreleased) {
            all = java.util.List.copyOf(unreleased);
            unreleased.clear();
        }
        for (long[] r : all) {
            retire(r[0], r[1], r[2]);
        }
    }

    /** Bytes of retired reservations not yet freed (tests). */
    long retiredBytes() {
        return retired.bytes();
    }

    /**
     * Enters an OS call that may make memory usable: after close it throws, so that the operation
     * of a thread racing with close fails instead of using memory that goes away.
     */
    private void enter() {
        inFlight.incrementAndGet();
        if (closed) {
            inFlight.decrementAndGet();
            throw new IllegalStateException("nalloc: the allocator is closed");
        }
    }

    /** Enters an OS call that only gives memory back: false (do nothing) after close. */
    private boolean enterGivingBack() {
        inFlight.incrementAndGet();
        if (closed) {
            inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    private void exit() {
        inFlight.decrementAndGet();
    }

    // ------------------------------------------------------------------ calling the layer

    /** What a call that threw or returned null reports: the OS layer's own error text. */
    private static String threw(RuntimeException e) {
        return "the OS layer threw " + e;
    }

    /** The failure of a call that ran out of Java heap: counted only, never built into a message. */
    private static final String JAVA_HEAP = "the Java heap is exhausted";

    private static final int RESERVE = 0;
    private static final int OS_RESERVE = 1;
    private static final int RELEASE = 2;
    private static final int COMMIT = 3;
    private static final int DECOMMIT = 4;
    private static final int ANNOUNCE_REUSE = 5;
    private static final int RESET_RANGE = 6;
    private static final int PROTECT = 7;
    private static final int UNPROTECT_RANGE = 8;

    /**
     * Counts the failure {@code failure} of the call {@code what} on {@code size} bytes at
     * {@code address} (or aligned to {@code alignment}) at once, and reports it at the end of the
     * step ({@link Reporter#reportLater}). The message is built here, under a guard: without Java
     * heap (a failure that ran out of it, or a message that cannot be built) it is counted only.
     */
    private void fail(ErrorKind kind, long address, int what, long size, long alignment, String failure) {
        if (failure == JAVA_HEAP) {
            reporter.countOnly(kind);
            return;
        }
        try {
            String at = " bytes at " + Reporter.hex(address);
            String call = switch (what) {
                case RESERVE -> "could not reserve " + size + " bytes aligned to " + alignment;
                case OS_RESERVE -> "the OS could not reserve " + size + " bytes aligned to " + alignment;
                case RELEASE -> "could not release " + size + at;
                case COMMIT -> "could not commit " + size + at;
                case DECOMMIT -> "could not decommit " + size + at;
                case ANNOUNCE_REUSE -> "could not announce the reuse of " + size + at;
                case RESET_RANGE -> "could not reset " + size + at;
                case PROTECT -> "could not protect " + size + at;
                default -> "could not unprotect " + size + at;
            };
            reporter.reportLater(kind, address, call + ": " + failure
                    + (what == UNPROTECT_RANGE ? "; the range is kept out of use" : ""));
        } catch (OutOfMemoryError e) {
            reporter.countOnly(kind);
        }
    }

    private static final String NULL_RESULT = "the OS layer returned null";

    private static final int DISCARD = 0;
    private static final int FREE = 1;
    private static final int REUSE = 2;
    private static final int RESET = 3;
    private static final int UNPROTECT = 4;

    /**
     * Runs one of the layer's int-returning calls on a range: null on success, else the text of its
     * failure. No lambda: a free path must not need Java heap (see the class comment).
     */
    private String call(int op, long address, long size) {
        int error;
        try {
            error = switch (op) {
                case DISCARD -> os.discard(address, size);
                case FREE -> os.free(address, size);
                case REUSE -> os.reuse(address, size);
                case RESET -> os.reset(address, size);
                default -> os.protect(address, size, false);
            };
        } catch (RuntimeException e) {
            return threw(e);
        } catch (OutOfMemoryError e) {
            return JAVA_HEAP;
        }
        return error == 0 ? null : describe(error);
    }

    private String describe(int error) {
        try {
            String text = os.describeError(error);
            return text != null ? text : "error " + error;
        } catch (RuntimeException e) {
            return "error " + error;
        } catch (OutOfMemoryError e) {
            return JAVA_HEAP;
        }
    }

    // ------------------------------------------------------------------ reservations

    /**
     * Reserves {@code size} bytes aligned to {@code alignment}, committed when asked.
     *
     * @return the allocation, or null when the OS had no memory (reported as out of memory)
     */
    public OsPrimitives.Allocation reserve(long size, long alignment, boolean commit) {
        return reserve(size, alignment, commit, false);
    }

    /**
     * Reserves {@code size} bytes aligned to {@code alignment}, committed when asked, on large OS
     * pages when {@code allowLarge} and the OS has them ({@link OsPrimitives.Allocation#large()}
     * tells; such memory is committed).
     *
     * @return the allocation, or null when the OS had no memory (reported as out of memory) or the
     *         layer failed otherwise (reported as an OS failure)
     * @throws IllegalStateException when the instance is closed
     */
    public OsPrimitives.Allocation reserve(long size, long alignment, boolean commit, boolean allowLarge) {
        OsPrimitives.Allocation a;
        String failure;
        enter();
        try {
            a = os.allocAligned(size, alignment, commit, allowLarge);
            failure = a == null ? NULL_RESULT : null;
        } catch (RuntimeException e) {
            a = null;
            failure = threw(e);
        } catch (OutOfMemoryError e) {
            a = OsPrimitives.Allocation.failed(ENOMEM); // no Java heap: a failed reservation
            failure = null;
        } finally {
            exit();
        }
        if (failure != null) {
            fail(ErrorKind.OS_FAILURE, 0, RESERVE, size, alignment, failure);
            return null;
        }
        if (!a.ok() && retryOnOomMillis > 0 && a.error() == ENOMEM && size <= physicalMemory) {
            a = retry(size, alignment, commit, allowLarge);
            if (a == null) {
                return null; // reported
            }
        }
        if (!a.ok()) {
            fail(ErrorKind.OUT_OF_MEMORY, 0, OS_RESERVE, size, alignment, describe(a.error()));
            return null;
        }
        if (closed) { // the gate closed after the call: close did not see this reservation, nobody else has
            call(FREE, a.address(), a.size());
            throw new IllegalStateException("nalloc: the allocator is closed");
        }
        stats.osReserved(a.address(), a.size(), commit || a.large());
        return a;
    }

    /** Counts memory the engine did not reserve itself (huge OS pages, the user's memory) from now on. */
    public void adopt(long size, long committedBytes) {
        stats.reserved.increase(size);
        stats.osCommitted.increase(committedBytes);
    }

    /** Stops counting adopted memory that stays mapped (the user's memory). */
    public void forget(long size, long committedBytes) {
        stats.reserved.decrease(size);
        stats.osCommitted.decrease(committedBytes);
    }

    /** The OS layer's monotonic clock in nanoseconds (purge deadlines; tests can control it). */
    public long now() {
        try {
            return os.clockNanos();
        } catch (RuntimeException e) {
            return System.nanoTime(); // a clock that throws is no reason to fail an allocation
        }
    }

    private static final int ENOMEM = 12;

    /**
     * Per thread: when the wait for memory of the allocation under way ends ({@code System.nanoTime}),
     * or 0. One allocation may ask the OS several times (an arena, a segment of its own, again after
     * a forced collect): they share one wait of {@code retry_on_oom}, so that a failing allocation
     * waits that long in all, not that long per attempt. The allocation's end (success, or the out of
     * memory report: {@link #endRetryWindow}) closes the window; a window left open expires one
     * {@code retry_on_oom} after its end. Only touched when the OS is out of memory.
     */
    private final ThreadLocal<long[]> retryWindow = ThreadLocal.withInitial(() -> new long[1]);

    /** The allocation that waited for memory is over (it got memory, or reports out of memory now). */
    public void endRetryWindow() {
        if (retryOnOomMillis > 0) {
            retryWindow.get()[0] = 0;
        }
    }

    /**
     * Waits for memory others may give back (mimalloc's {@code retry_on_oom}), in short sleeps
     * outside the gate (close does not wait for them).
     *
     * @return the last result, or null when a call failed otherwise (reported)
     */
    private OsPrimitives.Allocation retry(long size, long alignment, boolean commit, boolean allowLarge) {
        long[] window = retryWindow.get();
        long now = System.nanoTime();
        long length = retryOnOomMillis * 1_000_000L;
        if (window[0] == 0 || now - window[0] > length) {
            window[0] = now + length; // a new allocation: its wait starts
        }
        long deadline = window[0];
        OsPrimitives.Allocation a = OsPrimitives.Allocation.failed(ENOMEM);
        while (System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(Math.max(1, Math.min(10, (deadline - System.nanoTime()) / 1_000_000L)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return a;
            }
            String failure;
            enter();
            try {
                a = os.allocAligned(size, alignment, commit, allowLarge);
                failure = a == null ? NULL_RESULT : null;
            } catch (RuntimeException e) {
                failure = threw(e);
            } catch (OutOfMemoryError e) {
                a = OsPrimitives.Allocation.failed(ENOMEM);
                failure = null;
            } finally {
                exit();
            }
            if (failure != null) {
                fail(ErrorKind.OS_FAILURE, 0, RESERVE, size, alignment, failure);
                return null;
            }
            if (a.ok() || a.error() != ENOMEM) {
                if (a.ok()) {
                    window[0] = 0;
                }
                return a;
            }
        }
        return a;
    }

    /**
     * Releases a reservation of which {@code committedBytes} are accounted as committed. A refusal
     * is reported and not retried: the range stays counted (and mapped) until close retires it. A
     * layer that threw may have freed the range, and another mapping may take its place: it is
     * reported and forgotten, never touched again. After close the range is retired like the
     * others (see the class comment).
     */
    public void release(long address, long size, long committedBytes) {
        if (!enterGivingBack()) {
            retire(address, size, committedBytes);
            return;
        }
        String refused = null;
        String threw = null;
        try {
            int error = os.free(address, size);
            refused = error == 0 ? null : describe(error);
        } catch (RuntimeException e) {
            threw = threw(e);
        } catch (OutOfMemoryError e) {
            refused = JAVA_HEAP; // not called: mapped and counted still
        } finally {
            exit();
        }
        if (refused == null) {
            stats.osReleased(size, committedBytes);
        } else {
            synchronized (unreleased) {
                unreleased.add(new long[]{address, size, committedBytes});
            }
        }
        if (refused != null || threw != null) {
            fail(ErrorKind.OS_FAILURE, address, RELEASE, size, 0, refused != null ? refused : threw + "; the range is forgotten");
        }
    }

    // ------------------------------------------------------------------ commit and purge

    /**
     * Commits a range.
     *
     * @return 1 when committed and known zero, 0 when committed, -1 when the OS refused (reported
     *         as out of memory) or the layer failed (reported as an OS failure): the range must not
     *         be used
     * @throws IllegalStateException when the instance is closed
     */
    public int commit(long address, long size) {
        OsPrimitives.CommitResult r;
        String failure;
        enter();
        try {
            r = os.commit(address, size);
            failure = r == null ? NULL_RESULT : null;
        } catch (RuntimeException e) {
            r = null;
            failure = threw(e);
        } catch (OutOfMemoryError e) {
            r = null;
            failure = JAVA_HEAP;
        } finally {
            exit();
        }
        if (failure != null) {
            fail(failure == JAVA_HEAP ? ErrorKind.OUT_OF_MEMORY : ErrorKind.OS_FAILURE, address, COMMIT, size, 0, failure);
            return -1;
        }
        if (!r.ok()) {
            fail(ErrorKind.OUT_OF_MEMORY, address, COMMIT, size, 0, describe(r.error()));
            return -1;
        }
        stats.osCommitted(size);
        return r.zero() ? 1 : 0;
    }

    /**
     * Decommits a range of which {@code accountedBytes} are counted as committed. Whatever happens
     * the range counts as decommitted from now on: it is committed again before it is used (a
     * commit of committed memory is harmless, a use of memory a failed decommit took away is not).
     *
     * @return true when done (the memory reads as zero once committed again), false when the OS
     *         failed (reported): its contents are unknown
     */
    public boolean decommit(long address, long size, long accountedBytes) {
        if (!enterGivingBack()) {
            return false; // closed: the range is retired with its reservation
        }
        OsPrimitives.DecommitResult r;
        String failure;
        try {
            r = os.decommit(address, size);
            failure = r == null ? NULL_RESULT : r.ok() ? null : describe(r.error());
        } catch (RuntimeException e) {
            failure = threw(e);
        } catch (OutOfMemoryError e) {
            failure = JAVA_HEAP;
        } finally {
            exit();
        }
        stats.osDecommitted(accountedBytes);
        if (failure != null) {
            fail(ErrorKind.OS_FAILURE, address, DECOMMIT, size, 0, failure);
            return false;
        }
        return true;
    }

    /**
     * Announces that a range that was {@link #reset} is used again (macOS needs it for its
     * accounting of reusable pages; elsewhere the OS layer does nothing). A failure is reported;
     * the memory is usable either way.
     *
     * @throws IllegalStateException when the instance is closed
     */
    public void reuse(long address, long size) {
        String failure;
        enter();
        try {
            failure = call(REUSE, address, size);
        } finally {
            exit();
        }
        if (failure != null) {
            fail(ErrorKind.OS_FAILURE, address, ANNOUNCE_REUSE, size, 0, failure);
        }
    }

    /** Tells the OS the contents of a committed range are not needed; it stays committed (and usable either way). */
    public void reset(long address, long size) {
        if (!enterGivingBack()) {
            return;
        }
        String failure;
        try {
            failure = call(RESET, address, size);
        } finally {
            exit();
        }
        if (failure != null) {
            fail(ErrorKind.OS_FAILURE, address, RESET_RANGE, size, 0, failure);
            return;
        }
        stats.osReset(size);
    }

    /**
     * Makes a committed page range inaccessible (a guard page of the CHECKED and SECURE modes).
     *
     * @return false when the OS refused (reported): the range is as accessible as before; true when
     *         done, and also when the layer threw (reported): the range may be protected, so it is
     *         treated as a guard (and lifted later like one)
     * @throws IllegalStateException when the instance is closed
     */
    public boolean protect(long address, long size) {
        String failure;
        boolean refused;
        enter();
        try {
            int error = os.protect(address, size, true);
            refused = error != 0;
            failure = refused ? describe(error) : null;
        } catch (RuntimeException e) {
            refused = false;
            failure = threw(e);
        } catch (OutOfMemoryError e) {
            refused = true; // not called: no guard
            failure = JAVA_HEAP;
        } finally {
            exit();
        }
        if (failure != null) {
            fail(ErrorKind.OS_FAILURE, address, PROTECT, size, 0, failure);
        }
        return !refused;
    }

    /**
     * Makes a guard page range read-write again; the caller must not use it unless this returns true.
     *
     * @return true when done; false when the OS failed (reported): the range may still be protected
     * @throws IllegalStateException when the instance is closed
     */
    boolean unprotect(long address, long size) {
        String failure = unprotectQuietly(address, size);
        if (failure != null) {
            reportUnprotect(address, size, failure);
            return false;
        }
        return true;
    }

    /**
     * {@link #unprotect} without the report: null when done, else the failure, for callers that
     * must first put the range aside (the error handler may throw) and then call
     * {@link #reportUnprotect}.
     */
    public String unprotectQuietly(long address, long size) {
        enter();
        try {
            return call(UNPROTECT, address, size);
        } finally {
            exit();
        }
    }

    /** Reports a failure {@link #unprotectQuietly} returned. */
    public void reportUnprotect(long address, long size, String failure) {
        fail(ErrorKind.OS_FAILURE, address, UNPROTECT_RANGE, size, 0, failure);
    }

    /** Counts memory committed by a reservation that came back committed (arena eager commit). */
    void accountCommitted(long bytes) {
        stats.osCommitted.increase(bytes);
    }

    long reserved() {
        return stats.reserved.current();
    }

    /** Bytes in use: made usable and not purged since (the statistics' {@code committed}). */
    long committed() {
        return stats.committed.current();
    }

    /** Bytes the OS was asked to commit and still holds committed (the statistics' {@code os_committed}). */
    long osCommitted() {
        return stats.osCommitted.current();
    }

    long reservedPeak() {
        return stats.reserved.peak();
    }

    long committedPeak() {
        return stats.committed.peak();
    }

    /**
     * Bytes of {@code [address, address + size)} resident in physical memory now, or -1 when the OS
     * layer cannot tell (see {@link OsPrimitives#residentBytes}).
     */
    public long resident(long address, long size) {
        try {
            return os.residentBytes(address, size);
        } catch (RuntimeException e) {
            return -1; // an OS layer that fails here only loses the estimate
        }
    }

    /** Reservations asked of the OS (mmap calls), in total. */
    long osAllocations() {
        return stats.mmapCalls.get();
    }
}
