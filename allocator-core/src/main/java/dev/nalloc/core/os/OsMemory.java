package dev.nalloc.core.os;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.stats.EngineStats;
import dev.nalloc.spi.OsPrimitives;

/**
 * The engine's only way to the OS (mimalloc's {@code os.c}): aligned reservations, commit,
 * decommit, reset and release over {@link OsPrimitives}, with the reserved and committed byte
 * counts kept here and OS failures reported (and degraded) through the {@link Reporter}.
 *
 * <p>Failures are counted at once and reported at the end of the engine step under way
 * ({@link Reporter#reportLater}, {@link Reporter#flush}): a handler that throws must not leave the
 * engine's books half done. A call that fails because the Java heap is exhausted (the OS layer's
 * downcalls and results take a little Java memory) is a failure like any other: the memory stays
 * as it was (committed, mapped), so a free that triggers a purge never ends in an
 * {@code OutOfMemoryError} half-way.
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

    public OsMemory(OsPrimitives os, Reporter reporter) {
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
    public long physicalMemory() {
        return physicalMemory;
    }

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
     * @return the allocation, or null when the OS had no memory (reported as out of memory)
     */
    public OsPrimitives.Allocation reserve(long size, long alignment, boolean commit, boolean allowLarge) {
        OsPrimitives.Allocation a = allocAligned(size, alignment, commit, allowLarge);
        if (!a.ok() && retryOnOomMillis > 0 && a.error() == ENOMEM && size <= physicalMemory) {
            a = retry(size, alignment, commit, allowLarge);
        }
        if (!a.ok()) {
            reporter.reportLater(ErrorKind.OUT_OF_MEMORY, 0, "the OS could not reserve " + size + " bytes aligned to "
                    + alignment + ": " + os.describeError(a.error()));
            return null;
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
        return os.clockNanos();
    }

    private static final int ENOMEM = 12;

    /** The OS layer's reservation; one that fails for want of Java heap is a failed reservation (ENOMEM). */
    private OsPrimitives.Allocation allocAligned(long size, long alignment, boolean commit, boolean allowLarge) {
        try {
            return os.allocAligned(size, alignment, commit, allowLarge);
        } catch (OutOfMemoryError e) {
            return OsPrimitives.Allocation.failed(ENOMEM);
        }
    }

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

    /** Waits for memory others may give back (mimalloc's {@code retry_on_oom}), in short sleeps. */
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
            a = allocAligned(size, alignment, commit, allowLarge);
            if (a.ok() || a.error() != ENOMEM) {
                if (a.ok()) {
                    window[0] = 0;
                }
                return a;
            }
        }
        return a;
    }

    /** Releases a reservation of which {@code committedBytes} are accounted as committed. */
    public void release(long address, long size, long committedBytes) {
        int error;
        try {
            error = os.free(address, size);
        } catch (OutOfMemoryError e) {
            reporter.countOnly(ErrorKind.OS_FAILURE); // mapped and counted still
            return;
        }
        if (error != 0) {
            reporter.reportLater(ErrorKind.OS_FAILURE, address, "could not release " + size + " bytes at "
                    + Reporter.hex(address) + ": " + os.describeError(error));
            return;
        }
        stats.osReleased(size, committedBytes);
    }

    /**
     * Commits a range.
     *
     * @return 1 when committed and known zero, 0 when committed, -1 when the OS refused (reported)
     */
    public int commit(long address, long size) {
        OsPrimitives.CommitResult r;
        try {
            r = os.commit(address, size);
        } catch (OutOfMemoryError e) {
            reporter.countOnly(ErrorKind.OUT_OF_MEMORY);
            return -1;
        }
        if (!r.ok()) {
            reporter.reportLater(ErrorKind.OUT_OF_MEMORY, address, "could not commit " + size + " bytes at "
                    + Reporter.hex(address) + ": " + os.describeError(r.error()));
            return -1;
        }
        stats.osCommitted(size);
        return r.zero() ? 1 : 0;
    }

    /**
     * Decommits a range of which {@code accountedBytes} are counted as committed.
     *
     * @return true when done (the memory reads as zero once committed again)
     */
    public boolean decommit(long address, long size, long accountedBytes) {
        OsPrimitives.DecommitResult r;
        try {
            r = os.decommit(address, size);
        } catch (OutOfMemoryError e) {
            reporter.countOnly(ErrorKind.OS_FAILURE); // stays committed, counted so
            return false;
        }
        if (!r.ok()) {
            reporter.reportLater(ErrorKind.OS_FAILURE, address, "could not decommit " + size + " bytes at "
                    + Reporter.hex(address) + ": " + os.describeError(r.error()));
            return false;
        }
        stats.osDecommitted(accountedBytes);
        return true;
    }

    /**
     * Announces that a range that was {@link #reset} is used again (macOS needs it for its
     * accounting of reusable pages; elsewhere the OS layer does nothing).
     */
    public void reuse(long address, long size) {
        int error;
        try {
            error = os.reuse(address, size);
        } catch (OutOfMemoryError e) {
            reporter.countOnly(ErrorKind.OS_FAILURE);
            return;
        }
        if (error != 0) {
            reporter.reportLater(ErrorKind.OS_FAILURE, address, "could not announce the reuse of " + size + " bytes at "
                    + Reporter.hex(address) + ": " + os.describeError(error));
        }
    }

    /** Tells the OS the contents of a committed range are not needed; it stays committed. */
    public void reset(long address, long size) {
        int error;
        try {
            error = os.reset(address, size);
        } catch (OutOfMemoryError e) {
            reporter.countOnly(ErrorKind.OS_FAILURE);
            return;
        }
        if (error != 0) {
            reporter.reportLater(ErrorKind.OS_FAILURE, address, "could not reset " + size + " bytes at "
                    + Reporter.hex(address) + ": " + os.describeError(error));
            return;
        }
        stats.osReset(size);
    }

    /**
     * Makes a committed range inaccessible ({@code protect}) or read-write again (guard pages of
     * the CHECKED and SECURE modes).
     *
     * @return true when done; a failure is reported as an OS failure
     */
    public boolean protect(long address, long size, boolean protect) {
        int error;
        try {
            error = os.protect(address, size, protect);
        } catch (OutOfMemoryError e) {
            reporter.countOnly(ErrorKind.OS_FAILURE);
            return false;
        }
        if (error != 0) {
            reporter.reportLater(ErrorKind.OS_FAILURE, address, "could not " + (protect ? "protect " : "unprotect ") + size
                    + " bytes at " + Reporter.hex(address) + ": " + os.describeError(error));
            return false;
        }
        return true;
    }

    /** Counts memory committed by a reservation that came back committed (arena eager commit). */
    public void accountCommitted(long bytes) {
        stats.osCommitted.increase(bytes);
    }

    public long reserved() {
        return stats.reserved.current();
    }

    /** Bytes in use: made usable and not purged since (the statistics' {@code committed}). */
    public long committed() {
        return stats.committed.current();
    }

    /** Bytes the OS was asked to commit and still holds committed (the statistics' {@code os_committed}). */
    public long osCommitted() {
        return stats.osCommitted.current();
    }

    public long reservedPeak() {
        return stats.reserved.peak();
    }

    public long committedPeak() {
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
    public long osAllocations() {
        return stats.mmapCalls.get();
    }
}
