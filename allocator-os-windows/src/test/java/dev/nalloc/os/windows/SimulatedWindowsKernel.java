package dev.nalloc.os.windows;

import dev.nalloc.spi.conformance.HostProcess;
import dev.nalloc.spi.conformance.SimulatedAddressSpace;
import dev.nalloc.spi.conformance.SparseMemory;

import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A Java model of the Win32 calls {@link Kernel32Calls} declares, for tests on any OS. It keeps
 * reservations (base, size, 64 KiB-aligned bases, large pages, NUMA node) and a page table
 * (reserved, committed, protection, possibly-dirty) over real memory ({@link SparseMemory}), so
 * callers can really read and write what {@code VirtualAlloc} commits. Arguments are checked as
 * Windows does, with its error codes: {@code ERROR_INVALID_PARAMETER} (87) for bad arguments,
 * {@code ERROR_INVALID_ADDRESS} (487) for ranges that are not (entirely) in one reservation or not
 * in the needed state, {@code ERROR_NOT_ENOUGH_MEMORY} (8) when nothing fits,
 * {@code ERROR_PRIVILEGE_NOT_HELD} (1314) for large pages without SeLockMemoryPrivilege.
 *
 * <p>{@code MEM_RELEASE} needs the exact base and size 0. Pages read as zero when committed anew and
 * after {@code MEM_RESET} (the strictest behaviour the real kernel may show). Protection is recorded,
 * not enforced: tests check {@link #protectionAt} instead of faulting.
 */
@SuppressWarnings("restricted") // a kernel reads and writes its callers' structs by address
final class SimulatedWindowsKernel implements Kernel32Calls, AutoCloseable {

    /** What the simulated machine and account look like. */
    record Config(long largePageMinimum, boolean lockMemoryGrantable, int numaNodes, int bcryptStatus,
                  boolean hasVirtualAlloc2, int memoryOnlyNodes, long totalPhysical, long capacity) {

        static Config standard() {
            return new Config(2L << 20, true, 1, 0, true, 0, 32L << 30, 8L << 30);
        }

        Config withLockMemoryGrantable(boolean grantable) {
            return new Config(largePageMinimum, grantable, numaNodes, bcryptStatus, hasVirtualAlloc2, memoryOnlyNodes,
                    totalPhysical, capacity);
        }

        Config withNumaNodes(int nodes) {
            return new Config(largePageMinimum, lockMemoryGrantable, nodes, bcryptStatus, hasVirtualAlloc2,
                    memoryOnlyNodes, totalPhysical, capacity);
        }

        Config withBcryptStatus(int status) {
            return new Config(largePageMinimum, lockMemoryGrantable, numaNodes, status, hasVirtualAlloc2,
                    memoryOnlyNodes, totalPhysical, capacity);
        }

        Config withLargePageMinimum(long minimum) {
            return new Config(minimum, lockMemoryGrantable, numaNodes, bcryptStatus, hasVirtualAlloc2, memoryOnlyNodes,
                    totalPhysical, capacity);
        }

        /** Windows before 10 1803: kernelbase has no VirtualAlloc2. */
        Config withoutVirtualAlloc2() {
            return new Config(largePageMinimum, lockMemoryGrantable, numaNodes, bcryptStatus, false, memoryOnlyNodes,
                    totalPhysical, capacity);
        }

        /** Nodes above the processor nodes that have memory only (CXL memory, for example). */
        Config withMemoryOnlyNodes(int nodes) {
            return new Config(largePageMinimum, lockMemoryGrantable, numaNodes, bcryptStatus, hasVirtualAlloc2, nodes,
                    totalPhysical, capacity);
        }
    }

    static final long PAGE = 4096;
    static final long GRANULARITY = 64 * 1024;
    static final int MEM_PRIVATE = 0x2_0000;
    static final int ERROR_BAD_LENGTH = 24;
    static final int LOCK_MEMORY_LUID = 4; // SE_LOCK_MEMORY_PRIVILEGE

    private static final byte RESERVED = 1;
    private static final byte COMMITTED = 2;
    private static final byte NOACCESS = 4;
    /** The page may hold bytes other than zero (it was committed at some point). */
    private static final byte DIRTY = 8;

    /** One VirtualAlloc reservation. */
    record Reservation(long base, long size, boolean large, int node) {
    }

    private final Config config;
    private final SparseMemory memory;
    private final SimulatedAddressSpace space;
    private final byte[] pages;
    private final TreeMap<Long, Reservation> reservations = new TreeMap<>();
    private final ThreadLocal<int[]> lastError = ThreadLocal.withInitial(() -> new int[1]);
    private final SecureRandom random = new SecureRandom();
    private final Set<Long> openTokens = new HashSet<>();
    private long nextToken = 0x100;
    private boolean lockMemoryEnabled;
    private int privilegeAdjustments;
    private long peakCommit;
    private long committedPages;
    private int reserveCalls;

    SimulatedWindowsKernel(Config config) {
        this.config = config;
        this.memory = new SparseMemory(config.capacity());
        // Start one granule in, not at the 1 GiB-aligned base: first addresses are not over-aligned.
        this.space = new SimulatedAddressSpace(memory, PAGE, GRANULARITY);
        this.pages = new byte[space.pageCount()];
    }

    // ------------------------------------------------------------------ last error

    @Override
    public int getLastError() {
        return lastError.get()[0];
    }

    private int failBool(int error) {
        lastError.get()[0] = error;
        return 0;
    }

    private long failNull(int error) {
        lastError.get()[0] = error;
        return 0;
    }

    private void succeed() {
        lastError.get()[0] = 0;
    }

    // ------------------------------------------------------------------ VirtualAlloc / VirtualFree / VirtualProtect

    @Override
    public long virtualAlloc(long address, long size, int allocationType, int protect) {
        return allocate(address, size, allocationType, protect, -1, GRANULARITY);
    }

    @Override
    public long virtualAlloc2(long process, long address, long size, int allocationType, int protect,
                              MemorySegment parameters, int parameterCount) {
        if (!config.hasVirtualAlloc2()) {
            return failNull(Win32.ERROR_PROC_NOT_FOUND);
        }
        if (process != Win32.CURRENT_PROCESS) {
            return failNull(Win32.ERROR_INVALID_HANDLE);
        }
        long alignment = GRANULARITY;
        long parameterSize = WindowsStructs.MEM_EXTENDED_PARAMETER.byteSize();
        MemorySegment all = parameters.reinterpret(parameterCount * parameterSize);
        for (int i = 0; i < parameterCount; i++) {
            long type = all.get(JAVA_LONG, i * parameterSize + WindowsStructs.MEP_TYPE) & 0xFF;
            if (type != Win32.MEM_EXTENDED_PARAMETER_ADDRESS_REQUIREMENTS) {
                return failNull(Win32.ERROR_INVALID_PARAMETER); // the only kind this model knows
            }
            MemorySegment requirements = MemorySegment.ofAddress(all.get(JAVA_LONG, i * parameterSize
                    + WindowsStructs.MEP_ARG)).reinterpret(WindowsStructs.MEM_ADDRESS_REQUIREMENTS.byteSize());
            long wanted = requirements.get(JAVA_LONG, WindowsStructs.MAR_ALIGNMENT);
            if (address != 0 || requirements.get(JAVA_LONG, 0) != 0 || requirements.get(JAVA_LONG, 8) != 0
                    || (wanted != 0 && (Long.bitCount(wanted) != 1 || wanted < GRANULARITY))) {
                return failNull(Win32.ERROR_INVALID_PARAMETER);
            }
            alignment = Math.max(alignment, wanted);
        }
        return allocate(address, size, allocationType, protect, -1, alignment);
    }

    @Override
    public long virtualAllocExNuma(long process, long address, long size, int allocationType, int protect, int node) {
        if (process != Win32.CURRENT_PROCESS) {
            return failNull(Win32.ERROR_INVALID_HANDLE);
        }
        if (node < 0 || node >= config.numaNodes()) {
            return failNull(Win32.ERROR_INVALID_PARAMETER);
        }
        return allocate(address, size, allocationType, protect, node, GRANULARITY);
    }

    private synchronized long allocate(long address, long size, int type, int protect, int node, long alignment) {
        reserveCalls++;
        if (size <= 0) {
            return failNull(Win32.ERROR_INVALID_PARAMETER);
        }
        if (type == Win32.MEM_RESET) {
            return resetPages(address, size);
        }
        if (protect != Win32.PAGE_READWRITE && protect != Win32.PAGE_NOACCESS) {
            return failNull(Win32.ERROR_INVALID_PARAMETER);
        }
        boolean reserve = (type & Win32.MEM_RESERVE) != 0;
        boolean commit = (type & Win32.MEM_COMMIT) != 0;
        boolean large = (type & Win32.MEM_LARGE_PAGES) != 0;
        if ((type & ~(Win32.MEM_RESERVE | Win32.MEM_COMMIT | Win32.MEM_LARGE_PAGES)) != 0 || !(reserve || commit)
                || (large && !(reserve && commit))) {
            return failNull(Win32.ERROR_INVALID_PARAMETER);
        }
        if (!reserve) {
            return commitPages(address, size, protect);
        }
        if (large) {
            if (config.largePageMinimum() == 0 || size % config.largePageMinimum() != 0) {
                return failNull(Win32.ERROR_INVALID_PARAMETER);
            }
            if (!lockMemoryEnabled) {
                return failNull(Win32.ERROR_PRIVILEGE_NOT_HELD);
            }
            alignment = Math.max(alignment, config.largePageMinimum());
        }
        long base;
        long span;
        if (address != 0) {
            base = address & -alignment;
            long end = pageUp(address + size);
            span = end - base;
            if (end < 0 || !space.inside(base, span) || !isFree(base, span)) {
                return failNull(Win32.ERROR_INVALID_ADDRESS);
            }
        } else {
            span = pageUp(size);
            if (span < 0 || span > config.capacity()) {
                return failNull(Win32.ERROR_NOT_ENOUGH_MEMORY);
            }
            base = space.findFree(span, alignment, i -> (pages[i] & RESERVED) != 0);
            if (base == 0) {
                return failNull(Win32.ERROR_NOT_ENOUGH_MEMORY);
            }
        }
        reservations.put(base, new Reservation(base, span, large, node));
        space.forPages(base, span, i -> pages[i] = (byte) (RESERVED | (pages[i] & DIRTY)));
        if (commit) {
            commitRange(base, span, protect);
        }
        succeed();
        return base;
    }

    private long commitPages(long address, long size, int protect) {
        long start = address & -PAGE;
        long end = pageUp(address + size);
        if (address == 0 || end < 0 || withinOneReservation(start, end - start) == null) {
            return failNull(Win32.ERROR_INVALID_ADDRESS);
        }
        commitRange(start, end - start, protect);
        succeed();
        return start;
    }

    private void commitRange(long start, long size, int protect) {
        space.forPages(start, size, i -> {
            if ((pages[i] & COMMITTED) == 0) {
                committedPages++;
                if ((pages[i] & DIRTY) != 0) {
                    memory.zero(space.addressOf(i), PAGE); // newly committed pages are zero
                }
            }
            pages[i] = (byte) (RESERVED | COMMITTED | DIRTY | (protect == Win32.PAGE_NOACCESS ? NOACCESS : 0));
        });
        peakCommit = Math.max(peakCommit, committedBytes());
    }

    private long resetPages(long address, long size) {
        long start = address & -PAGE;
        long end = pageUp(address + size);
        if (address == 0 || end < 0 || withinOneReservation(start, end - start) == null
                || !allCommitted(start, end - start)) {
            return failNull(Win32.ERROR_INVALID_ADDRESS);
        }
        memory.zero(start, end - start); // the contents are no longer needed: model them as discarded
        succeed();
        return start;
    }

    @Override
    public synchronized int virtualFree(long address, long size, int freeType) {
        if (freeType == Win32.MEM_RELEASE) {
            if (size != 0) {
                return failBool(Win32.ERROR_INVALID_PARAMETER);
            }
            Reservation r = reservations.get(address);
            if (r == null) {
                return failBool(Win32.ERROR_INVALID_ADDRESS);
            }
            reservations.remove(address);
            space.forPages(r.base(), r.size(), i -> {
                if ((pages[i] & COMMITTED) != 0) {
                    committedPages--;
                }
                pages[i] = (byte) (pages[i] & DIRTY);
            });
            succeed();
            return 1;
        }
        if (freeType != Win32.MEM_DECOMMIT || size < 0) {
            return failBool(Win32.ERROR_INVALID_PARAMETER);
        }
        long start = address & -PAGE;
        long end;
        if (size == 0) {
            Reservation r = reservations.get(address);
            if (r == null) {
                return failBool(Win32.ERROR_INVALID_ADDRESS);
            }
            end = r.base() + r.size();
        } else {
            end = pageUp(address + size);
        }
        Reservation r = end < 0 ? null : withinOneReservation(start, end - start);
        if (address == 0 || r == null) {
            return failBool(Win32.ERROR_INVALID_ADDRESS);
        }
        if (r.large()) {
            return failBool(Win32.ERROR_INVALID_PARAMETER); // large pages cannot be decommitted
        }
        space.forPages(start, end - start, i -> {
            if ((pages[i] & COMMITTED) != 0) {
                committedPages--;
            }
            pages[i] = (byte) (RESERVED | (pages[i] & DIRTY));
        });
        succeed();
        return 1;
    }

    @Override
    public synchronized int virtualProtect(long address, long size, int newProtect, MemorySegment oldProtect) {
        if (size <= 0 || (newProtect != Win32.PAGE_READWRITE && newProtect != Win32.PAGE_NOACCESS)) {
            return failBool(Win32.ERROR_INVALID_PARAMETER);
        }
        long start = address & -PAGE;
        long end = pageUp(address + size);
        if (address == 0 || end < 0 || withinOneReservation(start, end - start) == null
                || !allCommitted(start, end - start)) {
            return failBool(Win32.ERROR_INVALID_ADDRESS);
        }
        oldProtect.set(JAVA_INT, 0, (pages[space.pageIndex(start)] & NOACCESS) != 0 ? Win32.PAGE_NOACCESS : Win32.PAGE_READWRITE);
        space.forPages(start, end - start, i -> pages[i] = (byte) ((pages[i] & ~NOACCESS)
                | (newProtect == Win32.PAGE_NOACCESS ? NOACCESS : 0)));
        succeed();
        return 1;
    }

    @Override
    public synchronized long virtualQuery(long address, MemorySegment buffer, long length) {
        if (length < WindowsStructs.MEMORY_BASIC_INFORMATION.byteSize()) {
            return failNull(ERROR_BAD_LENGTH);
        }
        if (!space.inside(address & -PAGE, PAGE)) {
            return failNull(Win32.ERROR_INVALID_PARAMETER);
        }
        long page = address & -PAGE;
        Map.Entry<Long, Reservation> e = reservations.floorEntry(page);
        Reservation r = e != null && page < e.getValue().base() + e.getValue().size() ? e.getValue() : null;
        byte state = (byte) (pages[space.pageIndex(page)] & (RESERVED | COMMITTED | NOACCESS));
        long limit = r != null ? r.base() + r.size() : nextReservationOrEnd(page);
        long end = page;
        while (end < limit && (pages[space.pageIndex(end)] & (RESERVED | COMMITTED | NOACCESS)) == state) {
            end += PAGE;
        }
        MemorySegment info = buffer.reinterpret(WindowsStructs.MEMORY_BASIC_INFORMATION.byteSize());
        info.fill((byte) 0);
        info.set(JAVA_LONG, WindowsStructs.MBI_BASE_ADDRESS, page);
        info.set(JAVA_LONG, WindowsStructs.MBI_REGION_SIZE, end - page);
        if (r == null) {
            info.set(JAVA_INT, WindowsStructs.MBI_STATE, Win32.MEM_FREE);
            info.set(JAVA_INT, WindowsStructs.MBI_PROTECT, Win32.PAGE_NOACCESS);
        } else {
            info.set(JAVA_LONG, WindowsStructs.MBI_ALLOCATION_BASE, r.base());
            info.set(JAVA_INT, WindowsStructs.offset(WindowsStructs.MEMORY_BASIC_INFORMATION, "AllocationProtect"),
                    Win32.PAGE_READWRITE);
            boolean committed = (state & COMMITTED) != 0;
            info.set(JAVA_INT, WindowsStructs.MBI_STATE, committed ? Win32.MEM_COMMIT : Win32.MEM_RESERVE);
            info.set(JAVA_INT, WindowsStructs.MBI_PROTECT,
                    !committed ? 0 : (state & NOACCESS) != 0 ? Win32.PAGE_NOACCESS : Win32.PAGE_READWRITE);
            info.set(JAVA_INT, WindowsStructs.offset(WindowsStructs.MEMORY_BASIC_INFORMATION, "Type"), MEM_PRIVATE);
        }
        succeed();
        return WindowsStructs.MEMORY_BASIC_INFORMATION.byteSize();
    }

    // ------------------------------------------------------------------ system information

    @Override
    public void getSystemInfo(MemorySegment systemInfo) {
        MemorySegment s = systemInfo.reinterpret(WindowsStructs.SYSTEM_INFO.byteSize());
        s.fill((byte) 0);
        s.set(JAVA_SHORT, 0, (short) 9); // PROCESSOR_ARCHITECTURE_AMD64
        s.set(JAVA_INT, WindowsStructs.SI_PAGE_SIZE, (int) PAGE);
        s.set(JAVA_LONG, WindowsStructs.offset(WindowsStructs.SYSTEM_INFO, "lpMinimumApplicationAddress"), 0x10000L);
        s.set(JAVA_LONG, WindowsStructs.SI_MAX_APP_ADDRESS, 0x7FFF_FFFE_FFFFL);
        s.set(JAVA_INT, WindowsStructs.offset(WindowsStructs.SYSTEM_INFO, "dwNumberOfProcessors"),
                Runtime.getRuntime().availableProcessors());
        s.set(JAVA_INT, WindowsStructs.SI_ALLOCATION_GRANULARITY, (int) GRANULARITY);
    }

    @Override
    public int globalMemoryStatusEx(MemorySegment status) {
        MemorySegment s = status.reinterpret(WindowsStructs.MEMORYSTATUSEX.byteSize());
        if (s.get(JAVA_INT, WindowsStructs.MS_LENGTH) != WindowsStructs.MEMORYSTATUSEX.byteSize()) {
            return failBool(Win32.ERROR_INVALID_PARAMETER);
        }
        s.set(JAVA_LONG, WindowsStructs.MS_TOTAL_PHYS, config.totalPhysical());
        s.set(JAVA_LONG, WindowsStructs.offset(WindowsStructs.MEMORYSTATUSEX, "ullTotalVirtual"), 1L << 47);
        succeed();
        return 1;
    }

    @Override
    public long getLargePageMinimum() {
        return config.largePageMinimum();
    }

    @Override
    public int getNumaHighestNodeNumber(MemorySegment highestNode) {
        highestNode.reinterpret(4).set(JAVA_INT, 0, config.numaNodes() + config.memoryOnlyNodes() - 1);
        succeed();
        return 1;
    }

    @Override
    public int getNumaNodeProcessorMaskEx(short node, MemorySegment groupAffinity) {
        if (node < 0 || node >= config.numaNodes() + config.memoryOnlyNodes()) {
            return failBool(Win32.ERROR_INVALID_PARAMETER);
        }
        MemorySegment a = groupAffinity.reinterpret(WindowsStructs.GROUP_AFFINITY.byteSize());
        a.fill((byte) 0);
        if (node < config.numaNodes()) {
            a.set(JAVA_LONG, 0, 1L << node); // one processor per node is enough for the model
        }
        succeed();
        return 1;
    }

    @Override
    public void getCurrentProcessorNumberEx(MemorySegment processorNumber) {
        MemorySegment p = processorNumber.reinterpret(4);
        p.set(JAVA_SHORT, 0, (short) 0);
        p.set(JAVA_BYTE, 2, (byte) (Thread.currentThread().threadId() % Runtime.getRuntime().availableProcessors()));
        p.set(JAVA_BYTE, 3, (byte) 0);
    }

    @Override
    public int getNumaProcessorNodeEx(MemorySegment processorNumber, MemorySegment nodeNumber) {
        int cpu = Byte.toUnsignedInt(processorNumber.reinterpret(4).get(JAVA_BYTE, 2));
        nodeNumber.reinterpret(2).set(JAVA_SHORT, 0, (short) (cpu % config.numaNodes()));
        succeed();
        return 1;
    }

    @Override
    public int k32GetProcessMemoryInfo(long process, MemorySegment counters, int size) {
        if (process != Win32.CURRENT_PROCESS) {
            return failBool(Win32.ERROR_INVALID_HANDLE);
        }
        if (size < WindowsStructs.PROCESS_MEMORY_COUNTERS.byteSize()) {
            return failBool(122); // ERROR_INSUFFICIENT_BUFFER
        }
        MemorySegment c = counters.reinterpret(WindowsStructs.PROCESS_MEMORY_COUNTERS.byteSize());
        long rss = HostProcess.residentBytes();
        long commit;
        long peak;
        synchronized (this) {
            commit = committedBytes();
            peak = Math.max(peakCommit, commit);
        }
        if (rss < 0) {
            rss = commit;
        }
        c.set(JAVA_INT, WindowsStructs.PMC_PAGE_FAULT_COUNT, (int) HostProcess.majorFaults());
        c.set(JAVA_LONG, WindowsStructs.PMC_WORKING_SET, rss);
        c.set(JAVA_LONG, WindowsStructs.PMC_PEAK_WORKING_SET, Math.max(rss, HostProcess.peakResidentBytes()));
        c.set(JAVA_LONG, WindowsStructs.PMC_PAGEFILE_USAGE, commit);
        c.set(JAVA_LONG, WindowsStructs.PMC_PEAK_PAGEFILE_USAGE, peak);
        succeed();
        return 1;
    }

    @Override
    public int getProcessTimes(long process, MemorySegment creation, MemorySegment exit, MemorySegment kernel,
                               MemorySegment user) {
        if (process != Win32.CURRENT_PROCESS) {
            return failBool(Win32.ERROR_INVALID_HANDLE);
        }
        setFileTime(creation, HostProcess.startTime().toEpochMilli() * 10_000 + Win32.FILETIME_UNIX_EPOCH);
        setFileTime(exit, 0);
        setFileTime(kernel, 0);
        setFileTime(user, HostProcess.cpuTime().toNanos() / 100);
        succeed();
        return 1;
    }

    private static void setFileTime(MemorySegment fileTime, long ticks) {
        MemorySegment f = fileTime.reinterpret(8);
        f.set(JAVA_INT, WindowsStructs.FT_LOW, (int) ticks);
        f.set(JAVA_INT, WindowsStructs.FT_HIGH, (int) (ticks >>> 32));
    }

    // ------------------------------------------------------------------ token privileges

    @Override
    public synchronized int openProcessToken(long process, int desiredAccess, MemorySegment token) {
        if (process != Win32.CURRENT_PROCESS) {
            return failBool(Win32.ERROR_INVALID_HANDLE);
        }
        long handle = nextToken++;
        openTokens.add(handle);
        token.reinterpret(8).set(JAVA_LONG, 0, handle);
        succeed();
        return 1;
    }

    @Override
    public int lookupPrivilegeValue(String name, MemorySegment luid) {
        if (!Win32.SE_LOCK_MEMORY_NAME.equals(name)) {
            return failBool(Win32.ERROR_NO_SUCH_PRIVILEGE);
        }
        MemorySegment l = luid.reinterpret(8);
        l.set(JAVA_INT, 0, LOCK_MEMORY_LUID);
        l.set(JAVA_INT, 4, 0);
        succeed();
        return 1;
    }

    @Override
    public synchronized int adjustTokenPrivileges(long token, int disableAll, MemorySegment newState, int bufferLength,
                                                  MemorySegment previousState, MemorySegment returnLength) {
        if (!openTokens.contains(token)) {
            return failBool(Win32.ERROR_INVALID_HANDLE);
        }
        privilegeAdjustments++;
        MemorySegment tp = newState.reinterpret(WindowsStructs.TOKEN_PRIVILEGES_1.byteSize());
        boolean asksLockMemory = tp.get(JAVA_INT, WindowsStructs.TP_COUNT) == 1
                && tp.get(JAVA_INT, WindowsStructs.TP_LUID) == LOCK_MEMORY_LUID
                && (tp.get(JAVA_INT, WindowsStructs.TP_ATTRIBUTES) & Win32.SE_PRIVILEGE_ENABLED) != 0;
        if (asksLockMemory && config.lockMemoryGrantable()) {
            lockMemoryEnabled = true;
            succeed();
        } else {
            lastError.get()[0] = Win32.ERROR_NOT_ALL_ASSIGNED; // succeeds, but says the privilege is not held
        }
        return 1;
    }

    @Override
    public synchronized int closeHandle(long handle) {
        if (!openTokens.remove(handle)) {
            return failBool(Win32.ERROR_INVALID_HANDLE);
        }
        succeed();
        return 1;
    }

    @Override
    public int bcryptGenRandom(long algorithm, MemorySegment buffer, int length, int flags) {
        if (algorithm == 0 && flags != Win32.BCRYPT_USE_SYSTEM_PREFERRED_RNG) {
            return Win32.STATUS_INVALID_PARAMETER;
        }
        if (config.bcryptStatus() != 0) {
            return config.bcryptStatus();
        }
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        MemorySegment.copy(bytes, 0, buffer.reinterpret(length), JAVA_BYTE, 0, length);
        return Win32.STATUS_SUCCESS;
    }

    // ------------------------------------------------------------------ inspection for tests

    synchronized Reservation reservationAt(long address) {
        Map.Entry<Long, Reservation> e = reservations.floorEntry(address);
        return e != null && address < e.getValue().base() + e.getValue().size() ? e.getValue() : null;
    }

    synchronized boolean isCommitted(long address) {
        return (pages[space.pageIndex(address)] & COMMITTED) != 0;
    }

    /** PAGE_READWRITE or PAGE_NOACCESS for a committed page, 0 otherwise. */
    synchronized int protectionAt(long address) {
        byte p = pages[space.pageIndex(address)];
        return (p & COMMITTED) == 0 ? 0 : (p & NOACCESS) != 0 ? Win32.PAGE_NOACCESS : Win32.PAGE_READWRITE;
    }

    synchronized long reservedBytes() {
        return reservations.values().stream().mapToLong(Reservation::size).sum();
    }

    synchronized long committedBytes() {
        return committedPages * PAGE;
    }

    /** VirtualAlloc, VirtualAlloc2 and VirtualAllocExNuma calls that got past their first checks. */
    synchronized int reserveCalls() {
        return reserveCalls;
    }

    synchronized boolean lockMemoryEnabled() {
        return lockMemoryEnabled;
    }

    synchronized int privilegeAdjustments() {
        return privilegeAdjustments;
    }

    synchronized int openHandles() {
        return openTokens.size();
    }

    // ------------------------------------------------------------------ page table helpers

    private static long pageUp(long value) {
        return value > Long.MAX_VALUE - PAGE ? -1 : (value + PAGE - 1) & -PAGE;
    }

    private boolean isFree(long address, long size) {
        return space.lastPageWhere(address, size, i -> (pages[i] & RESERVED) != 0) < 0;
    }

    private boolean allCommitted(long address, long size) {
        return space.lastPageWhere(address, size, i -> (pages[i] & COMMITTED) == 0) < 0;
    }

    /** The reservation holding all of [address, address + size), or null. */
    private Reservation withinOneReservation(long address, long size) {
        if (size <= 0 || !space.inside(address, size)) {
            return null;
        }
        Map.Entry<Long, Reservation> e = reservations.floorEntry(address);
        if (e == null) {
            return null;
        }
        Reservation r = e.getValue();
        return address + size <= r.base() + r.size() ? r : null;
    }

    private long nextReservationOrEnd(long address) {
        Long next = reservations.higherKey(address);
        return next != null ? next : memory.base() + memory.capacity();
    }

    @Override
    public void close() {
        memory.close();
    }
}
