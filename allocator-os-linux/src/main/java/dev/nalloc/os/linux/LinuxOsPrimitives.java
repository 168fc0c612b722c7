package dev.nalloc.os.linux;

import dev.nalloc.spi.LargePageBackoff;
import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

import static dev.nalloc.os.linux.LinuxConstants.EAGAIN;
import static dev.nalloc.os.linux.LinuxConstants.EINTR;
import static dev.nalloc.os.linux.LinuxConstants.EINVAL;
import static dev.nalloc.os.linux.LinuxConstants.MADV_DONTNEED;
import static dev.nalloc.os.linux.LinuxConstants.MADV_FREE;
import static dev.nalloc.os.linux.LinuxConstants.MADV_HUGEPAGE;
import static dev.nalloc.os.linux.LinuxConstants.MAP_ANONYMOUS;
import static dev.nalloc.os.linux.LinuxConstants.MAP_HUGETLB;
import static dev.nalloc.os.linux.LinuxConstants.MAP_HUGE_1GB;
import static dev.nalloc.os.linux.LinuxConstants.MAP_HUGE_2MB;
import static dev.nalloc.os.linux.LinuxConstants.MAP_NORESERVE;
import static dev.nalloc.os.linux.LinuxConstants.MAP_PRIVATE;
import static dev.nalloc.os.linux.LinuxConstants.MPOL_PREFERRED;
import static dev.nalloc.os.linux.LinuxConstants.PROT_NONE;
import static dev.nalloc.os.linux.LinuxConstants.PROT_READ_WRITE;
import static dev.nalloc.os.linux.LinuxConstants.PR_SET_THP_DISABLE;

/**
 * The OS primitives for Linux on x86-64 and AArch64, following mimalloc's {@code prim/unix}
 * choices:
 * <ul>
 *   <li>reserve = {@code mmap(PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS)}, plus {@code MAP_NORESERVE}
 *       when the kernel overcommits; commit = {@code mprotect(PROT_READ|PROT_WRITE)};</li>
 *   <li>decommit = {@code madvise(MADV_DONTNEED)}, which gives the pages back at once (the RSS
 *       drops) but keeps them accessible, so no re-commit is needed and no extra {@code mprotect}
 *       splits the mapping;</li>
 *   <li>reset = {@code MADV_FREE} (lazy, cheapest), falling back to {@code MADV_DONTNEED} for
 *       good when the kernel does not know it (before 4.5), and for the one call when only the
 *       range refuses it (huge TLB pages);</li>
 *   <li>large pages: {@code MAP_HUGETLB} first when allowed (and not failing recently), then a
 *       regular mapping with {@code MADV_HUGEPAGE} on its large-page-aligned part;</li>
 *   <li>huge (1 GiB) pages: {@code MAP_HUGETLB|MAP_HUGE_1GB}, then 2 MiB pages, then
 *       {@code mbind(MPOL_PREFERRED)} to the NUMA node.</li>
 * </ul>
 *
 * <p>Memory operations check their arguments (page-aligned, non-zero, inside the user address
 * space) before the system call and answer {@code EINVAL} otherwise: {@code mprotect} and
 * {@code madvise} over a range running past the caller's mapping would change neighbouring
 * mappings before failing. The provider is constructed by {@link java.util.ServiceLoader} on
 * every OS and links no native function until it is used on a supported platform.
 */
public final class LinuxOsPrimitives implements OsPrimitives {

    /** Made on first message: SLF4J (and its binding) starts only when something is logged. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(LinuxOsPrimitives.class);
    }
    private static final Set<String> ARCHITECTURES = Set.of("amd64", "x86_64", "aarch64");
    static final String NUMA_NODES = "/sys/devices/system/node";
    static final String SELF_STATUS = "/proc/self/status";
    static final long GIB = 1L << 30;
    /** After a failed MAP_HUGETLB, this many large-page requests skip straight to regular pages. */
    static final int LARGE_PAGE_BACKOFF = 8;
    private static final int PRIORITY = 100;

    private final Platform platform;
    private final Function<String, LinuxSyscalls> syscalls;
    private volatile State state;

    private final LargePageBackoff largePages = new LargePageBackoff(LARGE_PAGE_BACKOFF);
    private volatile boolean madviseFreeUnsupported;
    private volatile boolean hugePages1GiBUnavailable;
    private volatile boolean transparentHugePagesDisabled;

    /** Everything probed once on first use. */
    private record State(LinuxSyscalls sys, MemoryConfig config, long pageMask, long addressLimit,
                         AlignedHints hints, int numaNodes) {
    }

    /** The provider for the running JVM (used by {@link java.util.ServiceLoader}). */
    public LinuxOsPrimitives() {
        // A lambda, not a constructor reference: LibcSyscalls (and the native linker) must stay
        // untouched until first use on a supported platform.
        this(Platform.current(), arch -> new LibcSyscalls(arch));
    }

    /** For tests: a given platform and a source of system calls (given the architecture). */
    LinuxOsPrimitives(Platform platform, Function<String, LinuxSyscalls> syscalls) {
        this.platform = Objects.requireNonNull(platform, "platform");
        this.syscalls = Objects.requireNonNull(syscalls, "syscalls");
    }

    // ------------------------------------------------------------------ identity

    @Override
    public String name() {
        return "linux";
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public Support support() {
        if (!platform.isLinux()) {
            return Support.no("not Linux (os.name is '" + platform.osName() + "')");
        }
        if (!ARCHITECTURES.contains(platform.arch())) {
            return Support.no("architecture '" + platform.arch() + "' is not supported (x86_64 and aarch64 are)");
        }
        return Support.yes();
    }

    private State state() {
        State s = state;
        return s != null ? s : initialize();
    }

    private synchronized State initialize() {
        if (state == null) {
            Support support = support();
            if (!support.supported()) {
                throw new IllegalStateException("the linux OS primitives cannot be used here: " + support.reason());
            }
            LinuxSyscalls sys = syscalls.apply(platform.arch());
            MemoryConfig config = LinuxMemoryConfig.probe(sys, platform.arch());
            long addressLimit = 1L << config.virtualAddressBits();
            state = new State(sys, config, config.pageSize() - 1, addressLimit,
                    new AlignedHints(config.virtualAddressBits()), countNumaNodes(sys));
        }
        return state;
    }

    private static int countNumaNodes(LinuxSyscalls sys) {
        int count = 0;
        for (String entry : sys.listDirectory(NUMA_NODES)) {
            if (entry.length() > 4 && entry.startsWith("node") && entry.substring(4).chars().allMatch(Character::isDigit)) {
                count++;
            }
        }
        return Math.max(1, count);
    }

    @Override
    public MemoryConfig memoryConfig() {
        return state().config();
    }

    // ------------------------------------------------------------------ virtual memory

    /** True when {@code [address, address + size)} is a non-empty page-aligned user-space range. */
    private static boolean validRange(State s, long address, long size) {
        return address > 0 && (address & s.pageMask()) == 0 && size > 0 && (size & s.pageMask()) == 0
                && address < s.addressLimit() && size <= s.addressLimit() - address;
    }

    @Override
    public Allocation alloc(long hintAddress, long size, long tryAlignment, boolean commit, boolean allowLarge) {
        State s = state();
        if (size <= 0 || (size & s.pageMask()) != 0 || size >= s.addressLimit()
                || hintAddress < 0 || (hintAddress & s.pageMask()) != 0) {
            return Allocation.failed(EINVAL);
        }
        int protection = commit ? PROT_READ_WRITE : PROT_NONE;
        int flags = MAP_PRIVATE | MAP_ANONYMOUS | (s.config().hasOvercommit() ? MAP_NORESERVE : 0);
        // MAP_HUGETLB pages are committed (and pinned) at once, so only committed requests use them.
        if (allowLarge && commit && largePages.shouldTry(size, tryAlignment, s.config().largePageSize())) {
            long p = mapLargePages(s, hintAddress, size, tryAlignment, protection, flags);
            if (p > 0) {
                return new Allocation(p, size, true, true, 0);
            }
        }
        long hint = hintAddress != 0 ? hintAddress : s.hints().hint(tryAlignment, size);
        long p = s.sys().mmap(hint, size, protection, flags);
        if (p < 0) {
            return Allocation.failed((int) -p);
        }
        if (allowLarge && !transparentHugePagesDisabled) {
            adviseTransparentHugePages(s, p, size);
        }
        return new Allocation(p, size, false, true, 0);
    }

    /** A MAP_HUGETLB mapping, or 0; after a failure the next few requests do not try again. */
    private long mapLargePages(State s, long hintAddress, long size, long tryAlignment, int protection, int flags) {
        // MAP_NORESERVE with MAP_HUGETLB makes faults fail with SIGBUS when the pool runs dry.
        int largeFlags = (flags & ~MAP_NORESERVE) | MAP_HUGETLB | hugePageSizeFlag(s.config().largePageSize());
        long hint = hintAddress != 0 ? hintAddress : s.hints().hint(tryAlignment, size);
        long p = s.sys().mmap(hint, size, protection, largeFlags);
        if (p < 0) {
            largePages.failed();
            Log.LOG.debug("nalloc: large OS pages unavailable ({}); using regular pages", Errno.describe((int) -p));
            return 0;
        }
        return p;
    }

    /** The MAP_HUGE_* selector for a page size: its log2 in the bits from MAP_HUGE_SHIFT. */
    private static int hugePageSizeFlag(long pageSize) {
        return Long.numberOfTrailingZeros(pageSize) << 26;
    }

    /**
     * Kernels configured with THP "madvise" only back ranges with huge pages when asked; the
     * large-page-aligned middle of the mapping is what can be backed.
     */
    private static void adviseTransparentHugePages(State s, long address, long size) {
        long large = s.config().largePageSize();
        if (large <= 0) {
            return;
        }
        long from = (address + large - 1) & -large;
        long to = (address + size) & -large;
        if (to - from >= large) {
            s.sys().madvise(from, to - from, MADV_HUGEPAGE); // advice only: a refusal changes nothing
        }
    }

    @Override
    public int free(long address, long size) {
        State s = state();
        return validRange(s, address, size) ? s.sys().munmap(address, size) : EINVAL;
    }

    /**
     * {@code zero} is never claimed: the range may still hold committed pages with contents
     * ({@code mprotect} keeps them), as mimalloc notes.
     */
    @Override
    public CommitResult commit(long address, long size) {
        State s = state();
        if (!validRange(s, address, size)) {
            return new CommitResult(EINVAL, false);
        }
        return new CommitResult(s.sys().mprotect(address, size, PROT_READ_WRITE), false);
    }

    /** MADV_DONTNEED: the pages go back to the kernel now and read as zero when touched again. */
    @Override
    public DecommitResult decommit(long address, long size) {
        State s = state();
        if (!validRange(s, address, size)) {
            return new DecommitResult(EINVAL, false);
        }
        return new DecommitResult(s.sys().madvise(address, size, MADV_DONTNEED), false);
    }

    @Override
    public int reset(long address, long size) {
        State s = state();
        if (!validRange(s, address, size)) {
            return EINVAL;
        }
        if (!madviseFreeUnsupported) {
            int error = s.sys().madvise(address, size, MADV_FREE);
            if (error != EINVAL) {
                return error;
            }
            // EINVAL means either a kernel before 4.5 (no MADV_FREE at all: use MADV_DONTNEED from
            // now on) or a range that cannot be freed lazily (huge TLB pages): only this range
            // falls back then. A one-page probe tells the two apart, once.
            if (!kernelKnowsMadviseFree(s)) {
                madviseFreeUnsupported = true;
                Log.LOG.debug("nalloc: the kernel does not know MADV_FREE; resetting with MADV_DONTNEED from now on");
            }
        }
        return s.sys().madvise(address, size, MADV_DONTNEED);
    }

    /**
     * MADV_DONTNEED over the whole range: committed pages read as zero from now on and their memory
     * goes back at once; protections stay as they are (reserved pages stay inaccessible, and no
     * page is ever unmapped). Not {@code mmap(MAP_FIXED)} of fresh pages: the kernel removes the
     * old mapping before it makes the new one, so a failure there (the map count limit) would leave
     * a hole another mapping of the process could take, under threads still using the range.
     */
    @Override
    public int discard(long address, long size) {
        State s = state();
        if (!validRange(s, address, size)) {
            return EINVAL;
        }
        return s.sys().madvise(address, size, MADV_DONTNEED);
    }

    private boolean kernelKnowsMadviseFree(State s) {
        long page = s.config().pageSize();
        long probe = s.sys().mmap(0, page, PROT_READ_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
        if (probe < 0) {
            return true; // cannot tell: keep trying MADV_FREE
        }
        int error = s.sys().madvise(probe, page, MADV_FREE);
        s.sys().munmap(probe, page);
        return error != EINVAL;
    }

    /**
     * {@code mincore}: pages of the range in physical memory now. Pages reset with MADV_FREE count
     * until the kernel reclaims them (they are still resident until then).
     */
    @Override
    public long residentBytes(long address, long size) {
        State s = state();
        if (!validRange(s, address, size)) {
            return -1;
        }
        long pages = s.sys().residentPages(address, size, s.config().pageSize());
        return pages < 0 ? -1 : pages * s.config().pageSize();
    }

    /** Nothing to do on Linux: reset pages are usable at once. */
    @Override
    public int reuse(long address, long size) {
        return validRange(state(), address, size) ? 0 : EINVAL;
    }

    @Override
    public int protect(long address, long size, boolean protect) {
        State s = state();
        if (!validRange(s, address, size)) {
            return EINVAL;
        }
        return s.sys().mprotect(address, size, protect ? PROT_NONE : PROT_READ_WRITE);
    }

    @Override
    public int setTransparentHugePages(boolean enable) {
        int result = state().sys().prctl(PR_SET_THP_DISABLE, enable ? 0 : 1);
        if (result < 0) {
            return -result;
        }
        transparentHugePagesDisabled = !enable;
        return 0;
    }

    @Override
    public Allocation allocHugeOsPages(long hintAddress, long size, int numaNode) {
        State s = state();
        if (size <= 0 || size % GIB != 0 || size >= s.addressLimit() || hintAddress < 0 || hintAddress % GIB != 0) {
            return Allocation.failed(EINVAL);
        }
        int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB;
        long p = -EINVAL;
        if (!hugePages1GiBUnavailable) {
            p = s.sys().mmap(hintAddress, size, PROT_READ_WRITE, flags | MAP_HUGE_1GB);
            if (p < 0) {
                hugePages1GiBUnavailable = true;
                Log.LOG.warn("nalloc: huge (1 GiB) OS pages unavailable ({}); trying large (2 MiB) pages instead",
                        Errno.describe((int) -p));
            }
        }
        if (p < 0 && s.config().largePageSize() > 0) {
            p = s.sys().mmap(hintAddress, size, PROT_READ_WRITE, flags | MAP_HUGE_2MB);
        }
        if (p < 0) {
            return Allocation.failed((int) -p);
        }
        if (numaNode >= 0 && numaNode < Long.SIZE) {
            int error = s.sys().mbind(p, size, MPOL_PREFERRED, 1L << numaNode, 0);
            if (error != 0) {
                Log.LOG.warn("nalloc: could not bind huge OS pages to NUMA node {} ({})", numaNode, Errno.describe(error));
            }
        }
        return new Allocation(p, size, true, true, 0);
    }

    // ------------------------------------------------------------------ NUMA, time, process, random

    @Override
    public int numaNodeCount() {
        return state().numaNodes();
    }

    @Override
    public int currentNumaNode() {
        State s = state();
        int node = s.sys().getcpuNode();
        return node >= 0 && node < s.numaNodes() ? node : 0;
    }

    @Override
    public long osThreadId() {
        return state().sys().pthreadSelf();
    }

    @Override
    public long clockNanos() {
        return System.nanoTime();
    }

    /**
     * Linux keeps no per-process commit charge, so {@code currentCommit} and {@code peakCommit}
     * are -1 (the engine counts its own).
     */
    @Override
    public ProcessInfo processInfo() {
        State s = state();
        LinuxSyscalls.ResourceUsage usage = s.sys().getrusage();
        String status = s.sys().readFile(SELF_STATUS);
        long rss = ProcFiles.kibibyteField(status, "VmRSS");
        long peak = ProcFiles.kibibyteField(status, "VmHWM");
        if (peak < 0 && usage != null) {
            peak = usage.maxRssKiB() * 1024;
        }
        Instant start = ProcessStart.INSTANT;
        long elapsed = start == null ? -1 : Math.max(0, Duration.between(start, Instant.now()).toMillis());
        return new ProcessInfo(elapsed,
                usage == null ? -1 : usage.userMicros() / 1000,
                usage == null ? -1 : usage.systemMicros() / 1000,
                rss, peak, -1, -1,
                usage == null ? -1 : usage.majorFaults());
    }

    /** When the process started: looked up on the first {@link #processInfo()} (it reads /proc). */
    private static final class ProcessStart {
        static final Instant INSTANT = ProcessHandle.current().info().startInstant().orElse(null);
    }

    @Override
    public int randomBytes(byte[] buffer) {
        Objects.requireNonNull(buffer, "buffer");
        LinuxSyscalls sys = state().sys();
        int done = 0;
        while (done < buffer.length) {
            int n = sys.getrandom(buffer, done, buffer.length - done);
            if (n == -EINTR) {
                continue;
            }
            if (n < 0) {
                return -n;
            }
            if (n == 0) {
                return EAGAIN; // the kernel never does this for a non-empty request; do not spin
            }
            done += n;
        }
        return 0;
    }

    @Override
    public String describeError(int error) {
        return Errno.describe(error);
    }

    @Override
    public String toString() {
        return "LinuxOsPrimitives[" + platform + "]";
    }
}
