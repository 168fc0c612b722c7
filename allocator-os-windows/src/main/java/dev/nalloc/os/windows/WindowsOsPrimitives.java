package dev.nalloc.os.windows;

import dev.nalloc.spi.LargePageBackoff;
import dev.nalloc.spi.Platform;
import dev.nalloc.spi.PlatformOsPrimitives;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The Windows OS layer, following mimalloc's Windows primitives: reserve with
 * {@code VirtualAlloc(MEM_RESERVE)}, commit with {@code MEM_COMMIT}, decommit with
 * {@code VirtualFree(MEM_DECOMMIT)}, reset with {@code MEM_RESET}, and free of whole reservations
 * only with {@code VirtualFree(base, 0, MEM_RELEASE)}. Large pages use {@code MEM_LARGE_PAGES} once
 * {@code SeLockMemoryPrivilege} could be enabled, huge pages on a NUMA node
 * {@code VirtualAllocExNuma}, and random bytes {@code BCryptGenRandom}.
 *
 * <p>Reservations cannot be freed in part ({@link MemoryConfig#hasPartialFree()} is false): such a
 * {@link #free} is refused with {@code ERROR_INVALID_PARAMETER} instead of silently releasing the
 * whole reservation. An alignment hint above 64 KiB is honoured exactly with {@code VirtualAlloc2}
 * where Windows has it (10 1803 and later), so {@link #allocAligned} needs one call; elsewhere the
 * SPI's default releases an over-allocation and re-reserves the aligned part.
 *
 * <p>Found with {@link java.util.ServiceLoader} under the name {@code windows}. On other systems it
 * constructs without touching native code and {@link #support()} says why it cannot be used; every
 * operation that would need the kernel then throws {@link IllegalStateException}.
 */
public final class WindowsOsPrimitives extends PlatformOsPrimitives {

    /** The priority every built-in OS layer uses; only one of them is supported on a given OS. */
    private static final int PRIORITY = 100;

    static final long KiB = 1L << 10;
    static final long GiB = 1L << 30;
    static final long DEFAULT_PAGE_SIZE = 4 * KiB;
    static final long DEFAULT_ALLOC_GRANULARITY = 64 * KiB;
    /** mimalloc's assumption when the OS does not tell (64-bit). */
    static final long DEFAULT_PHYSICAL_MEMORY = 32 * GiB;
    /** After a large-page allocation fails (it makes VirtualAlloc slow), this many large requests skip it. */
    static final int LARGE_PAGE_BACKOFF = 10;

    private final Kernel32Calls calls;
    private final LockMemoryPrivilege lockMemory;
    private final LargePageBackoff largePages = new LargePageBackoff(LARGE_PAGE_BACKOFF);
    private volatile int numaNodes;
    /** Set once VirtualAlloc2 turned out missing (Windows before 10 1803). */
    private volatile boolean noVirtualAlloc2;

    /** The provider ServiceLoader creates: the running platform and the real kernel32. */
    public WindowsOsPrimitives() {
        this(Platform.current(), new NativeKernel32Calls());
    }

    WindowsOsPrimitives(Platform platform, Kernel32Calls calls) {
        super("windows", PRIORITY, platform, supportOn(platform));
        this.calls = calls;
        this.lockMemory = new LockMemoryPrivilege(calls);
    }

    static Support supportOn(Platform platform) {
        if (!platform.isWindows()) {
            return Support.no("requires Windows (running " + platform + ")");
        }
        if (!platform.isX64() && !platform.isArm64()) {
            return Support.no("requires 64-bit Windows on amd64 or aarch64 (running " + platform + ")");
        }
        return Support.yes();
    }

    private Kernel32Calls calls() {
        requireSupported();
        return calls;
    }

    // ------------------------------------------------------------------ configuration

    @Override
    protected MemoryConfig detectMemoryConfig() {
        Kernel32Calls os = calls;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(WindowsStructs.SYSTEM_INFO);
            os.getSystemInfo(info);
            long pageSize = Integer.toUnsignedLong(info.get(JAVA_INT, WindowsStructs.SI_PAGE_SIZE));
            long granularity = Integer.toUnsignedLong(info.get(JAVA_INT, WindowsStructs.SI_ALLOCATION_GRANULARITY));
            long maxAddress = info.get(JAVA_LONG, WindowsStructs.SI_MAX_APP_ADDRESS);
            if (pageSize <= 0 || Long.bitCount(pageSize) != 1) {
                pageSize = DEFAULT_PAGE_SIZE;
            }
            if (granularity < pageSize || Long.bitCount(granularity) != 1) {
                granularity = DEFAULT_ALLOC_GRANULARITY;
            }
            int addressBits = maxAddress > 0 ? 64 - Long.numberOfLeadingZeros(maxAddress) : 47;

            MemorySegment status = arena.allocate(WindowsStructs.MEMORYSTATUSEX);
            status.set(JAVA_INT, WindowsStructs.MS_LENGTH, (int) WindowsStructs.MEMORYSTATUSEX.byteSize());
            long physical = os.globalMemoryStatusEx(status) != 0
                    ? status.get(JAVA_LONG, WindowsStructs.MS_TOTAL_PHYS) : DEFAULT_PHYSICAL_MEMORY;
            long largePageSize = Math.max(0, os.getLargePageMinimum());
            // Windows charges commit against the page file at once: no overcommit; VirtualFree frees whole reservations.
            return new MemoryConfig(pageSize, largePageSize, granularity, physical, addressBits, false, false, true);
        }
    }

    // ------------------------------------------------------------------ virtual memory

    @Override
    public Allocation alloc(long hintAddress, long size, long tryAlignment, boolean commit, boolean allowLarge) {
        Kernel32Calls os = calls();
        if (!isPageRange(0, size) || (hintAddress & (memoryConfig().allocGranularity() - 1)) != 0) {
            return Allocation.failed(Win32.ERROR_INVALID_PARAMETER);
        }
        int type = Win32.MEM_RESERVE | (commit ? Win32.MEM_COMMIT : 0);
        // Large pages must be reserved and committed at once.
        if (allowLarge && commit && largePages.shouldTry(size, tryAlignment, memoryConfig().largePageSize())) {
            if (lockMemory.ensureHeld()) {
                long p = reserve(os, hintAddress, size, tryAlignment, type | Win32.MEM_LARGE_PAGES);
                if (p != 0) {
                    return new Allocation(p, size, true, true, 0);
                }
            }
            largePages.failed();
        }
        long p = reserve(os, hintAddress, size, tryAlignment, type);
        if (p == 0) {
            return Allocation.failed(os.getLastError());
        }
        return new Allocation(p, size, false, true, 0);
    }

    /**
     * Without a hint and with an alignment above the granularity, VirtualAlloc2 places the reservation
     * aligned in one call (no release-and-re-reserve race); otherwise, or where it is missing,
     * VirtualAlloc at the hint, or anywhere when the hint is taken (the hint is only a preference).
     */
    private long reserve(Kernel32Calls os, long hintAddress, long size, long tryAlignment, int type) {
        if (hintAddress == 0 && tryAlignment > memoryConfig().allocGranularity() && Long.bitCount(tryAlignment) == 1
                && !noVirtualAlloc2) {
            long p = reserveAligned(os, size, tryAlignment, type);
            if (p != 0) {
                return p;
            }
            if (os.getLastError() == Win32.ERROR_PROC_NOT_FOUND) {
                noVirtualAlloc2 = true;
            }
        }
        return reserve(os, hintAddress, size, type);
    }

    private static long reserveAligned(Kernel32Calls os, long size, long alignment, int type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment requirements = arena.allocate(WindowsStructs.MEM_ADDRESS_REQUIREMENTS);
            requirements.set(JAVA_LONG, WindowsStructs.MAR_ALIGNMENT, alignment);
            MemorySegment parameter = arena.allocate(WindowsStructs.MEM_EXTENDED_PARAMETER);
            parameter.set(JAVA_LONG, WindowsStructs.MEP_TYPE, Win32.MEM_EXTENDED_PARAMETER_ADDRESS_REQUIREMENTS);
            parameter.set(JAVA_LONG, WindowsStructs.MEP_ARG, requirements.address());
            return os.virtualAlloc2(Win32.CURRENT_PROCESS, 0, size, type, Win32.PAGE_READWRITE, parameter, 1);
        }
    }

    private static long reserve(Kernel32Calls os, long hintAddress, long size, int type) {
        long p = os.virtualAlloc(hintAddress, size, type, Win32.PAGE_READWRITE);
        if (p == 0 && hintAddress != 0) {
            p = os.virtualAlloc(0, size, type, Win32.PAGE_READWRITE);
        }
        return p;
    }

    /**
     * Releases a whole reservation. VirtualFree(MEM_RELEASE) takes size 0 and always frees everything,
     * so the range is first checked to be exactly one reservation; anything else is refused.
     */
    @Override
    public int free(long address, long size) {
        Kernel32Calls os = calls();
        if (address == 0 || !isPageRange(address, size)) {
            return Win32.ERROR_INVALID_PARAMETER;
        }
        int refused = checkWholeReservation(os, address, size);
        if (refused != 0) {
            return refused;
        }
        return os.virtualFree(address, 0, Win32.MEM_RELEASE) != 0 ? 0 : os.getLastError();
    }

    private int checkWholeReservation(Kernel32Calls os, long address, long size) {
        long pageSize = memoryConfig().pageSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(WindowsStructs.MEMORY_BASIC_INFORMATION);
            if (!inReservation(os, address, address, info)) {
                return Win32.ERROR_INVALID_ADDRESS; // not the base of a reservation
            }
            if (!inReservation(os, address + size - pageSize, address, info)) {
                return Win32.ERROR_INVALID_PARAMETER; // the range runs past the reservation
            }
            if (inReservation(os, address + size, address, info)) {
                return Win32.ERROR_INVALID_PARAMETER; // a part only: Windows cannot free that
            }
            return 0;
        }
    }

    private static boolean inReservation(Kernel32Calls os, long address, long base, MemorySegment info) {
        if (os.virtualQuery(address, info, info.byteSize()) == 0) {
            return false; // beyond the user address space
        }
        return info.get(JAVA_INT, WindowsStructs.MBI_STATE) != Win32.MEM_FREE
                && info.get(JAVA_LONG, WindowsStructs.MBI_ALLOCATION_BASE) == base;
    }

    @Override
    public CommitResult commit(long address, long size) {
        Kernel32Calls os = calls();
        if (address == 0 || !isPageRange(address, size)) {
            return new CommitResult(Win32.ERROR_INVALID_PARAMETER, false);
        }
        // Fresh pages are zero, but the range may have been partly committed already.
        long p = os.virtualAlloc(address, size, Win32.MEM_COMMIT, Win32.PAGE_READWRITE);
        return new CommitResult(p != 0 ? 0 : os.getLastError(), false);
    }

    @Override
    public DecommitResult decommit(long address, long size) {
        Kernel32Calls os = calls();
        if (address == 0 || !isPageRange(address, size)) {
            return new DecommitResult(Win32.ERROR_INVALID_PARAMETER, true);
        }
        int ok = os.virtualFree(address, size, Win32.MEM_DECOMMIT);
        // Even on error assume it is decommitted: touching it uncommitted would be fatal.
        return new DecommitResult(ok != 0 ? 0 : os.getLastError(), true);
    }

    @Override
    public int reset(long address, long size) {
        Kernel32Calls os = calls();
        if (address == 0 || !isPageRange(address, size)) {
            return Win32.ERROR_INVALID_PARAMETER;
        }
        return os.virtualAlloc(address, size, Win32.MEM_RESET, Win32.PAGE_READWRITE) != 0 ? 0 : os.getLastError();
    }

    /**
     * {@code MEM_RESET} of every committed read-write region of the range, found with
     * {@code VirtualQuery}: their contents may go, they stay committed and accessible. Reserved
     * pages and guard pages are left as they are ({@code MEM_RESET} refuses ranges with uncommitted
     * pages, and Windows cannot replace committed pages without a moment when they are not).
     */
    @Override
    public int discard(long address, long size) {
        Kernel32Calls os = calls();
        if (address == 0 || !isPageRange(address, size)) {
            return Win32.ERROR_INVALID_PARAMETER;
        }
        long end = address + size;
        if (end < address) {
            return Win32.ERROR_INVALID_PARAMETER;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(WindowsStructs.MEMORY_BASIC_INFORMATION);
            // First the whole range must be reserved memory (nothing is changed otherwise), then its
            // committed read-write regions are reset.
            for (int pass = 0; pass < 2; pass++) {
                for (long at = address; at < end; ) {
                    if (os.virtualQuery(at, info, info.byteSize()) == 0) {
                        return os.getLastError();
                    }
                    long regionEnd = Math.min(end, info.get(JAVA_LONG, WindowsStructs.MBI_BASE_ADDRESS)
                            + info.get(JAVA_LONG, WindowsStructs.MBI_REGION_SIZE));
                    int state = info.get(JAVA_INT, WindowsStructs.MBI_STATE);
                    if (regionEnd <= at || state == Win32.MEM_FREE) {
                        return Win32.ERROR_INVALID_ADDRESS; // not (all) reserved memory
                    }
                    if (pass == 1 && state == Win32.MEM_COMMIT
                            && info.get(JAVA_INT, WindowsStructs.MBI_PROTECT) == Win32.PAGE_READWRITE
                            && os.virtualAlloc(at, regionEnd - at, Win32.MEM_RESET, Win32.PAGE_READWRITE) == 0) {
                        return os.getLastError();
                    }
                    at = regionEnd;
                }
            }
            return 0;
        }
    }

    @Override
    public int reuse(long address, long size) {
        calls();
        if (address == 0 || !isPageRange(address, size)) {
            return Win32.ERROR_INVALID_PARAMETER;
        }
        return 0; // MEM_RESET memory is usable as is
    }

    @Override
    public int protect(long address, long size, boolean protect) {
        Kernel32Calls os = calls();
        if (address == 0 || !isPageRange(address, size)) {
            return Win32.ERROR_INVALID_PARAMETER;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(JAVA_INT);
            int protection = protect ? Win32.PAGE_NOACCESS : Win32.PAGE_READWRITE;
            return os.virtualProtect(address, size, protection, old) != 0 ? 0 : os.getLastError();
        }
    }

    @Override
    public int setTransparentHugePages(boolean enable) {
        calls();
        return Win32.ERROR_NOT_SUPPORTED; // a Linux prctl; Windows large pages are always explicit
    }

    @Override
    public Allocation allocHugeOsPages(long hintAddress, long size, int numaNode) {
        Kernel32Calls os = calls();
        if (size <= 0 || size % GiB != 0 || (hintAddress & (memoryConfig().allocGranularity() - 1)) != 0
                || numaNode < -1) {
            return Allocation.failed(Win32.ERROR_INVALID_PARAMETER);
        }
        if (memoryConfig().largePageSize() == 0) {
            return Allocation.failed(Win32.ERROR_NOT_SUPPORTED);
        }
        if (!lockMemory.ensureHeld()) {
            return Allocation.failed(Win32.ERROR_PRIVILEGE_NOT_HELD);
        }
        int type = Win32.MEM_LARGE_PAGES | Win32.MEM_RESERVE | Win32.MEM_COMMIT;
        long p = 0;
        if (numaNode >= 0) {
            p = os.virtualAllocExNuma(Win32.CURRENT_PROCESS, hintAddress, size, type, Win32.PAGE_READWRITE, numaNode);
            if (p == 0 && hintAddress != 0) {
                p = os.virtualAllocExNuma(Win32.CURRENT_PROCESS, 0, size, type, Win32.PAGE_READWRITE, numaNode);
            }
        }
        if (p == 0) {
            // No node asked for, or the node could not serve it: the node is a preference, take any.
            p = reserve(os, hintAddress, size, type);
        }
        if (p == 0) {
            return Allocation.failed(os.getLastError());
        }
        return new Allocation(p, size, true, true, 0);
    }

    // ------------------------------------------------------------------ NUMA, time, process, random

    @Override
    public int numaNodeCount() {
        int nodes = numaNodes;
        if (nodes == 0) {
            Kernel32Calls os = calls();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment highest = arena.allocate(JAVA_INT);
                int max = os.getNumaHighestNodeNumber(highest) != 0
                        ? (int) Math.min(Integer.toUnsignedLong(highest.get(JAVA_INT, 0)), 0xFFFF) : 0;
                // Nodes without processors (memory-only) at the top do not count, as in mimalloc.
                MemorySegment affinity = arena.allocate(WindowsStructs.GROUP_AFFINITY);
                while (max > 0 && (os.getNumaNodeProcessorMaskEx((short) max, affinity) == 0
                        || affinity.get(JAVA_LONG, 0) == 0)) {
                    max--;
                }
                nodes = max + 1;
            }
            numaNodes = nodes;
        }
        return nodes;
    }

    @Override
    public long osThreadId() {
        return Integer.toUnsignedLong(calls().getCurrentThreadId());
    }

    @Override
    public int currentNumaNode() {
        Kernel32Calls os = calls();
        if (numaNodeCount() == 1) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment processor = arena.allocate(WindowsStructs.PROCESSOR_NUMBER);
            MemorySegment node = arena.allocate(JAVA_SHORT);
            os.getCurrentProcessorNumberEx(processor);
            if (os.getNumaProcessorNodeEx(processor, node) == 0) {
                return 0;
            }
            int current = Short.toUnsignedInt(node.get(JAVA_SHORT, 0));
            return current < numaNodeCount() ? current : 0;
        }
    }

    @Override
    public long clockNanos() {
        return System.nanoTime(); // QueryPerformanceCounter based: monotonic
    }

    @Override
    public ProcessInfo processInfo() {
        Kernel32Calls os = calls();
        long elapsed = -1;
        long user = -1;
        long system = -1;
        long rss = -1;
        long peakRss = -1;
        long commit = -1;
        long peakCommit = -1;
        long faults = -1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment creation = arena.allocate(WindowsStructs.FILETIME);
            MemorySegment exit = arena.allocate(WindowsStructs.FILETIME);
            MemorySegment kernel = arena.allocate(WindowsStructs.FILETIME);
            MemorySegment userTime = arena.allocate(WindowsStructs.FILETIME);
            if (os.getProcessTimes(Win32.CURRENT_PROCESS, creation, exit, kernel, userTime) != 0) {
                long nowTicks = Instant.now().toEpochMilli() * 10_000 + Win32.FILETIME_UNIX_EPOCH;
                elapsed = Math.max(0, (nowTicks - WindowsStructs.fileTimeTicks(creation)) / 10_000);
                system = WindowsStructs.fileTimeTicks(kernel) / 10_000;
                user = WindowsStructs.fileTimeTicks(userTime) / 10_000;
            }
            MemorySegment counters = arena.allocate(WindowsStructs.PROCESS_MEMORY_COUNTERS);
            int size = (int) WindowsStructs.PROCESS_MEMORY_COUNTERS.byteSize();
            counters.set(JAVA_INT, WindowsStructs.PMC_CB, size);
            if (os.k32GetProcessMemoryInfo(Win32.CURRENT_PROCESS, counters, size) != 0) {
                rss = counters.get(JAVA_LONG, WindowsStructs.PMC_WORKING_SET);
                peakRss = counters.get(JAVA_LONG, WindowsStructs.PMC_PEAK_WORKING_SET);
                commit = counters.get(JAVA_LONG, WindowsStructs.PMC_PAGEFILE_USAGE);
                peakCommit = counters.get(JAVA_LONG, WindowsStructs.PMC_PEAK_PAGEFILE_USAGE);
                faults = Integer.toUnsignedLong(counters.get(JAVA_INT, WindowsStructs.PMC_PAGE_FAULT_COUNT));
            }
        }
        return new ProcessInfo(elapsed, user, system, rss, peakRss, commit, peakCommit, faults);
    }

    @Override
    public int randomBytes(byte[] buffer) {
        Kernel32Calls os = calls();
        if (buffer.length == 0) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment random = arena.allocate(buffer.length);
            int status = os.bcryptGenRandom(0, random, buffer.length, Win32.BCRYPT_USE_SYSTEM_PREFERRED_RNG);
            if (status != Win32.STATUS_SUCCESS) {
                // bcrypt.dll missing or refusing: stay secure with the JDK's OS-seeded generator.
                fallbackRandom().nextBytes(buffer);
                return 0;
            }
            MemorySegment.copy(random, JAVA_BYTE, 0, buffer, 0, buffer.length);
            return 0;
        }
    }

    @Override
    public String describeError(int error) {
        return Win32Errors.describe(error);
    }
}
