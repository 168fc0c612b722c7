package dev.nalloc.os.linux;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.nalloc.os.linux.LinuxConstants.EINTR;
import static dev.nalloc.os.linux.LinuxConstants.EINVAL;
import static dev.nalloc.os.linux.LinuxConstants.ENOMEM;
import static dev.nalloc.os.linux.LinuxConstants.ENOSYS;
import static dev.nalloc.os.linux.LinuxConstants.MADV_FREE;
import static dev.nalloc.os.linux.LinuxConstants.MAP_HUGETLB;
import static dev.nalloc.os.linux.LinuxConstants.MAP_HUGE_1GB;
import static dev.nalloc.os.linux.LinuxConstants.PR_SET_THP_DISABLE;

/**
 * A model of the parts of the Linux kernel the OS layer uses: an address space of mappings with
 * protections (no memory behind them), {@code /proc} and {@code /sys} files, and switches that
 * make individual features fail the way real kernels do. Every call is recorded.
 */
final class SimulatedKernel implements LinuxSyscalls {

    static final long PAGE = 4096;
    private static final long TOP = 0x7f00_0000_0000L;
    private static final long ADDRESS_SPACE = 1L << 46;

    /** One recorded call. */
    record Call(String name, long address, long length, long arg, long flags) {
    }

    /** A mapping: {@code [start, end)} with a protection. */
    private record Mapping(long start, long end, int protection, boolean hugeTlb) {
    }

    private final TreeMap<Long, Mapping> mappings = new TreeMap<>();
    private final List<Call> calls = new ArrayList<>();
    private final Map<String, String> files = new HashMap<>();
    private final Map<String, List<String>> directories = new HashMap<>();
    private long next = TOP;
    private long randomState = 0x1234_5678_9abcL;

    // Switches: what fails and how.
    boolean hugeTlbFails;
    boolean huge1GiBFails;
    boolean madviseFreeUnsupported;
    int prctlError;
    int mbindError;
    int getcpuNode;
    int getcpuError;
    boolean sysconfFails;
    boolean rusageFails;
    int getrandomError;
    int getrandomShortRead;
    int getrandomInterruptions;
    long physicalPages = 1L << 20;

    SimulatedKernel() {
        files.put(LinuxMemoryConfig.MEMINFO, "MemTotal:       4194304 kB\nMemFree:        1000000 kB\n"
                + "HugePages_Total:       0\nHugepagesize:       2048 kB\n");
        files.put(LinuxMemoryConfig.OVERCOMMIT, "0\n");
        files.put(LinuxOsPrimitives.SELF_STATUS, "Name:\tjava\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n");
        directories.put(LinuxOsPrimitives.NUMA_NODES, List.of("node0", "possible", "online", "has_cpu", "power"));
    }

    // ------------------------------------------------------------------ configuration for tests

    synchronized SimulatedKernel file(String path, String text) {
        if (text == null) {
            files.remove(path);
        } else {
            files.put(path, text);
        }
        return this;
    }

    synchronized SimulatedKernel directory(String path, List<String> entries) {
        if (entries == null) {
            directories.remove(path);
        } else {
            directories.put(path, entries);
        }
        return this;
    }

    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    synchronized List<Call> calls(String name) {
        return calls.stream().filter(c -> c.name().equals(name)).toList();
    }

    synchronized void clearCalls() {
        calls.clear();
    }

    /** The protection at an address, or -1 when it is not mapped. */
    synchronized int protectionAt(long address) {
        Map.Entry<Long, Mapping> e = mappings.floorEntry(address);
        return e != null && address < e.getValue().end() ? e.getValue().protection() : -1;
    }

    synchronized long mappedBytes() {
        return mappings.values().stream().mapToLong(m -> m.end() - m.start()).sum();
    }

    // ------------------------------------------------------------------ the system calls

    @Override
    public synchronized long mmap(long address, long length, int protection, int flags) {
        calls.add(new Call("mmap", address, length, protection, flags));
        if (length <= 0) {
            return -EINVAL;
        }
        boolean hugeTlb = (flags & MAP_HUGETLB) != 0;
        if (hugeTlb) {
            boolean oneGiB = (flags & MAP_HUGE_1GB) == MAP_HUGE_1GB;
            if (hugeTlbFails || (oneGiB && huge1GiBFails)) {
                return -ENOMEM;
            }
            long hugeSize = oneGiB ? 1L << 30 : 2L << 20;
            if (length % hugeSize != 0) {
                return -EINVAL;
            }
        }
        long len = (length + PAGE - 1) & -PAGE;
        if (len >= ADDRESS_SPACE) {
            return -ENOMEM;
        }
        long start;
        if (address != 0 && address % PAGE == 0 && address + len <= TOP && isFree(address, len)) {
            start = address;
        } else {
            start = next - len;
            while (!isFree(start, len)) {
                start -= len;
            }
            next = start;
        }
        mappings.put(start, new Mapping(start, start + len, protection, hugeTlb));
        return start;
    }

    @Override
    public synchronized int munmap(long address, long length) {
        calls.add(new Call("munmap", address, length, 0, 0));
        if (address % PAGE != 0 || length <= 0) {
            return EINVAL;
        }
        long end = address + ((length + PAGE - 1) & -PAGE);
        split(address);
        split(end);
        mappings.subMap(address, end).clear();
        return 0;
    }

    @Override
    public synchronized int mprotect(long address, long length, int protection) {
        calls.add(new Call("mprotect", address, length, protection, 0));
        if (address % PAGE != 0 || length < 0) {
            return EINVAL;
        }
        long end = address + ((length + PAGE - 1) & -PAGE);
        if (!isMapped(address, end)) {
            return ENOMEM;
        }
        split(address);
        split(end);
        for (Mapping m : List.copyOf(mappings.subMap(address, end).values())) {
            mappings.put(m.start(), new Mapping(m.start(), m.end(), protection, m.hugeTlb()));
        }
        return 0;
    }

    @Override
    public synchronized int madvise(long address, long length, int advice) {
        calls.add(new Call("madvise", address, length, advice, 0));
        if (address % PAGE != 0 || length < 0) {
            return EINVAL;
        }
        if (advice == MADV_FREE && madviseFreeUnsupported) {
            return EINVAL;
        }
        long end = address + ((length + PAGE - 1) & -PAGE);
        if (!isMapped(address, end)) {
            return ENOMEM;
        }
        if (advice == MADV_FREE && mappings.subMap(mappings.floorKey(address), end).values().stream().anyMatch(Mapping::hugeTlb)) {
            return EINVAL; // like Linux: huge TLB pages cannot be freed lazily
        }
        return 0;
    }

    /** The simulation keeps no physical pages: it cannot tell what is resident. */
    @Override
    public synchronized long residentPages(long address, long length, long pageSize) {
        calls.add(new Call("mincore", address, length, 0, 0));
        return -ENOSYS;
    }

    @Override
    public synchronized int prctl(int option, long arg2) {
        calls.add(new Call("prctl", 0, 0, option, arg2));
        if (prctlError != 0) {
            return -prctlError;
        }
        return option == PR_SET_THP_DISABLE ? 0 : -EINVAL;
    }

    @Override
    public synchronized int getrandom(byte[] buffer, int offset, int length) {
        calls.add(new Call("getrandom", 0, length, 0, 0));
        if (getrandomInterruptions > 0) {
            getrandomInterruptions--;
            return -EINTR;
        }
        if (getrandomError != 0) {
            return -getrandomError;
        }
        int n = getrandomShortRead > 0 ? Math.min(length, getrandomShortRead) : length;
        for (int i = 0; i < n; i++) {
            randomState = randomState * 6364136223846793005L + 1442695040888963407L;
            buffer[offset + i] = (byte) (randomState >>> 56);
        }
        return n;
    }

    @Override
    public synchronized ResourceUsage getrusage() {
        calls.add(new Call("getrusage", 0, 0, 0, 0));
        return rusageFails ? null : new ResourceUsage(1_500_000, 250_000, 300_000, 7);
    }

    @Override
    public synchronized long sysconf(int name) {
        calls.add(new Call("sysconf", 0, 0, name, 0));
        if (sysconfFails) {
            return -1;
        }
        return switch (name) {
            case LinuxConstants.SC_PAGESIZE -> PAGE;
            case LinuxConstants.SC_PHYS_PAGES -> physicalPages;
            default -> -1;
        };
    }

    @Override
    public synchronized int getcpuNode() {
        calls.add(new Call("getcpu", 0, 0, 0, 0));
        return getcpuError != 0 ? -getcpuError : getcpuNode;
    }

    @Override
    public synchronized int mbind(long address, long length, int mode, long nodeMask, int flags) {
        calls.add(new Call("mbind", address, length, mode, nodeMask));
        if (mbindError != 0) {
            return mbindError;
        }
        return isMapped(address, address + length) ? 0 : ENOMEM;
    }

    @Override
    public synchronized String readFile(String path) {
        return files.get(path);
    }

    @Override
    public synchronized List<String> listDirectory(String path) {
        return directories.getOrDefault(path, List.of());
    }

    /** A kernel without getcpu support reports ENOSYS. */
    SimulatedKernel withoutGetcpu() {
        getcpuError = ENOSYS;
        return this;
    }

    // ------------------------------------------------------------------ address space bookkeeping

    private boolean isFree(long start, long len) {
        Map.Entry<Long, Mapping> below = mappings.floorEntry(start);
        if (below != null && below.getValue().end() > start) {
            return false;
        }
        Long above = mappings.ceilingKey(start);
        return above == null || above >= start + len;
    }

    private boolean isMapped(long start, long end) {
        long at = start;
        while (at < end) {
            Map.Entry<Long, Mapping> e = mappings.floorEntry(at);
            if (e == null || e.getValue().end() <= at) {
                return false;
            }
            at = e.getValue().end();
        }
        return true;
    }

    /** Splits the mapping containing {@code at} (if any) so that a mapping starts there. */
    private void split(long at) {
        Map.Entry<Long, Mapping> e = mappings.floorEntry(at);
        if (e == null) {
            return;
        }
        Mapping m = e.getValue();
        if (m.start() < at && at < m.end()) {
            mappings.put(m.start(), new Mapping(m.start(), at, m.protection(), m.hugeTlb()));
            mappings.put(at, new Mapping(at, m.end(), m.protection(), m.hugeTlb()));
        }
    }
}
