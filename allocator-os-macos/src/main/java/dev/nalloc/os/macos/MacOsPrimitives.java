package dev.nalloc.os.macos;

import dev.nalloc.spi.LargePageBackoff;
import dev.nalloc.spi.Platform;
import dev.nalloc.spi.PlatformOsPrimitives;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The macOS OS layer, following mimalloc's unix primitives as they behave on Darwin: anonymous
 * {@code mmap} tagged with {@code VM_MAKE_TAG(os_tag)} (100 by default), commit with {@code mprotect}, decommit and
 * reset with {@code MADV_FREE_REUSABLE} (the footprint drops at once) and reuse with
 * {@code MADV_FREE_REUSE}, 2 MiB superpages on x86-64, physical memory from {@code hw.memsize}.
 *
 * <p>Found with {@link java.util.ServiceLoader} under the name {@code macos}. On other systems it
 * constructs without touching native code and {@link #support()} says why it cannot be used; every
 * operation that would need the kernel then throws {@link IllegalStateException}.
 */
public final class MacOsPrimitives extends PlatformOsPrimitives {

    /** The priority every built-in OS layer uses; only one of them is supported on a given OS. */
    private static final int PRIORITY = 100;

    static final long MiB = 1L << 20;
    static final long GiB = 1L << 30;
    static final long SUPERPAGE_SIZE = 2 * MiB;
    /** mimalloc's assumption when the OS does not tell (64-bit). */
    static final long DEFAULT_PHYSICAL_MEMORY = 32 * GiB;
    /** After a superpage mmap fails, this many large requests go straight to regular pages. */
    static final int LARGE_PAGE_BACKOFF = 8;

    private final DarwinCalls calls;
    /** {@code VM_MAKE_TAG} of every mapping: option {@code os_tag} (100 to 255; 254 outside it, as mimalloc). */
    private final int vmTag;
    private final LargePageBackoff largePages = new LargePageBackoff(LARGE_PAGE_BACKOFF);

    /** The provider ServiceLoader creates: the running platform and the real libSystem. */
    public MacOsPrimitives() {
        this(Platform.current(), new NativeDarwinCalls());
    }

    MacOsPrimitives(Platform platform, DarwinCalls calls) {
        this(platform, calls, Darwin.NALLOC_VM_TAG);
    }

    MacOsPrimitives(Platform platform, DarwinCalls calls, int vmTag) {
        super("macos", PRIORITY, platform, supportOn(platform));
        this.calls = calls;
        this.vmTag = vmTag;
    }

    /** This layer with the tag of option {@code os_tag} (a copy when it differs). */
    @Override
    public MacOsPrimitives configure(dev.nalloc.api.OptionValues options) {
        int tag = vmTagOf(options.get(dev.nalloc.api.Option.OS_TAG));
        return tag == vmTag ? this : new MacOsPrimitives(platform(), calls, tag);
    }

    /** mimalloc's rule: tags up to 99 are the system's, so a value outside 100..255 becomes 254. */
    static int vmTagOf(long option) {
        return option < 100 || option > 255 ? 254 : (int) option;
    }

    /** The {@code VM_MAKE_TAG} value of this layer's mappings. */
    int vmTag() {
        return vmTag;
    }

    static Support supportOn(Platform platform) {
        if (!platform.isMacOs()) {
            return Support.no("requires macOS (running " + platform + ")");
        }
        if (!platform.isX64() && !platform.isArm64()) {
            return Support.no("requires macOS on aarch64 or x86_64 (running " + platform + ")");
        }
        return Support.yes();
    }

    private DarwinCalls calls() {
        requireSupported();
        return calls;
    }

    // ------------------------------------------------------------------ configuration

    @Override
    protected MemoryConfig detectMemoryConfig() {
        DarwinCalls os = calls;
        long pageSize = sysctlNumber(os, "hw.pagesize");
        if (pageSize <= 0 || Long.bitCount(pageSize) != 1) {
            pageSize = platform().isArm64() ? 16 * 1024 : 4 * 1024;
        }
        long physical = sysctlNumber(os, "hw.memsize");
        if (physical <= 0) {
            physical = DEFAULT_PHYSICAL_MEMORY;
        }
        long largePageSize = platform().isX64() ? SUPERPAGE_SIZE : 0; // Apple silicon has no superpages
        // mimalloc assumes overcommit wherever it cannot detect it (macOS has no commit limit).
        return new MemoryConfig(pageSize, largePageSize, pageSize, physical, 47, true, true, true);
    }

    /** Reads an integer sysctl of 4 or 8 bytes; -1 when it fails. */
    private static long sysctlNumber(DarwinCalls os, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            MemorySegment length = arena.allocate(JAVA_LONG);
            length.set(JAVA_LONG, 0, JAVA_LONG.byteSize());
            if (os.sysctlbyname(name, value, length, MemorySegment.NULL, 0) != 0) {
                return -1;
            }
            long got = length.get(JAVA_LONG, 0);
            if (got == Integer.BYTES) {
                return Integer.toUnsignedLong(value.get(JAVA_INT, 0));
            }
            return got == Long.BYTES ? value.get(JAVA_LONG, 0) : -1;
        }
    }

    // ------------------------------------------------------------------ virtual memory

    @Override
    public Allocation alloc(long hintAddress, long size, long tryAlignment, boolean commit, boolean allowLarge) {
        DarwinCalls os = calls();
        if (!isPageRange(hintAddress, size)) {
            return Allocation.failed(Darwin.EINVAL);
        }
        int prot = commit ? Darwin.PROT_READ | Darwin.PROT_WRITE : Darwin.PROT_NONE;
        int flags = Darwin.MAP_PRIVATE | Darwin.MAP_ANON | Darwin.MAP_NORESERVE;
        int fd = Darwin.vmMakeTag(vmTag);
        if (allowLarge && commit && largePages.shouldTry(size, tryAlignment, memoryConfig().largePageSize())) {
            long p = os.mmap(hintAddress, size, prot, flags & ~Darwin.MAP_NORESERVE,
                    fd | Darwin.VM_FLAGS_SUPERPAGE_SIZE_2MB, 0);
            if (p != Darwin.MAP_FAILED) {
                return new Allocation(p, size, true, true, 0);
            }
            largePages.failed(); // not configured or no free superpages: stop trying for a while
        }
        long p = os.mmap(hintAddress, size, prot, flags, fd, 0);
        if (p == Darwin.MAP_FAILED) {
            return Allocation.failed(os.errno());
        }
        return new Allocation(p, size, false, true, 0);
    }

    @Override
    public int free(long address, long size) {
        DarwinCalls os = calls();
        if (address == 0 || !isPageRange(address, size)) {
            return Darwin.EINVAL;
        }
        return os.munmap(address, size) == 0 ? 0 : os.errno();
    }

    @Override
    public CommitResult commit(long address, long size) {
        DarwinCalls os = calls();
        if (address == 0 || !isPageRange(address, size)) {
            return new CommitResult(Darwin.EINVAL, false);
        }
        // mprotect does not zero: the range may have been partly committed already.
        int err = os.mprotect(address, size, Darwin.PROT_READ | Darwin.PROT_WRITE) == 0 ? 0 : os.errno();
        return new CommitResult(err, false);
    }

    @Override
    public DecommitResult decommit(long address, long size) {
        DarwinCalls os = calls();
        if (address == 0 || !isPageRange(address, size)) {
            return new DecommitResult(Darwin.EINVAL, false);
        }
        // The pages stay accessible (no recommit needed); REUSABLE drops them from the footprint at once.
        return new DecommitResult(adviseDiscard(os, address, size), false);
    }

    @Override
    public int reset(long address, long size) {
        DarwinCalls os = calls();
        if (address == 0 || !isPageRange(address, size)) {
            return Darwin.EINVAL;
        }
        return adviseDiscard(os, address, size);
    }

    /** MADV_FREE_REUSABLE, or MADV_DONTNEED where the kernel refuses it. */
    private static int adviseDiscard(DarwinCalls os, long address, long size) {
        if (os.madvise(address, size, Darwin.MADV_FREE_REUSABLE) == 0) {
            return 0;
        }
        return os.madvise(address, size, Darwin.MADV_DONTNEED) == 0 ? 0 : os.errno();
    }

    @Override
    public int reuse(long address, long size) {
        DarwinCalls os = calls();
        if (address == 0 || !isPageRange(address, size)) {
            return Darwin.EINVAL;
        }
        return os.madvise(address, size, Darwin.MADV_FREE_REUSE) == 0 ? 0 : os.errno();
    }

    @Override
    public int protect(long address, long size, boolean protect) {
        DarwinCalls os = calls();
        if (address == 0 || !isPageRange(address, size)) {
            return Darwin.EINVAL;
        }
        int prot = protect ? Darwin.PROT_NONE : Darwin.PROT_READ | Darwin.PROT_WRITE;
        return os.mprotect(address, size, prot) == 0 ? 0 : os.errno();
    }

    @Override
    public int setTransparentHugePages(boolean enable) {
        calls();
        return Darwin.ENOTSUP; // a Linux prctl; XNU has no transparent huge pages
    }

    @Override
    public Allocation allocHugeOsPages(long hintAddress, long size, int numaNode) {
        DarwinCalls os = calls();
        if (size <= 0 || size % GiB != 0 || (hintAddress & (SUPERPAGE_SIZE - 1)) != 0) {
            return Allocation.failed(Darwin.EINVAL);
        }
        if (memoryConfig().largePageSize() == 0) {
            return Allocation.failed(Darwin.ENOMEM); // as mimalloc reports where there are no huge pages
        }
        // macOS has one memory node, so numaNode has no effect; superpages are the largest pages it has.
        long p = os.mmap(hintAddress, size, Darwin.PROT_READ | Darwin.PROT_WRITE, Darwin.MAP_PRIVATE | Darwin.MAP_ANON,
                Darwin.vmMakeTag(vmTag) | Darwin.VM_FLAGS_SUPERPAGE_SIZE_2MB, 0);
        if (p == Darwin.MAP_FAILED) {
            return Allocation.failed(os.errno());
        }
        return new Allocation(p, size, true, true, 0);
    }

    // ------------------------------------------------------------------ NUMA, time, process, random

    @Override
    public int numaNodeCount() {
        calls();
        return 1; // Macs are uniform-memory machines
    }

    @Override
    public int currentNumaNode() {
        calls();
        return 0;
    }

    @Override
    public long osThreadId() {
        return calls().pthreadSelf();
    }

    @Override
    public long clockNanos() {
        return System.nanoTime(); // mach_absolute_time based: monotonic
    }

    @Override
    public ProcessInfo processInfo() {
        DarwinCalls os = calls();
        long elapsed = ProcessHandle.current().info().startInstant()
                .map(start -> Math.max(0, Instant.now().toEpochMilli() - start.toEpochMilli()))
                .orElse(-1L);
        long user = -1;
        long system = -1;
        long peakRss = -1;
        long majorFaults = -1;
        long rss = -1;
        long footprint = -1;
        long peakFootprint = -1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment usage = arena.allocate(DarwinStructs.RUSAGE);
            if (os.getrusage(Darwin.RUSAGE_SELF, usage) == 0) {
                user = millis(usage, DarwinStructs.RU_UTIME_SEC, DarwinStructs.RU_UTIME_USEC);
                system = millis(usage, DarwinStructs.RU_STIME_SEC, DarwinStructs.RU_STIME_USEC);
                peakRss = usage.get(JAVA_LONG, DarwinStructs.RU_MAXRSS); // bytes on macOS (KiB on Linux)
                majorFaults = usage.get(JAVA_LONG, DarwinStructs.RU_MAJFLT);
            }
            // v4 has the footprint's peak; before macOS 10.14 only v2 is there (same offsets for the rest).
            MemorySegment info = arena.allocate(DarwinStructs.RUSAGE_INFO_V4);
            int pid = os.getpid();
            boolean v4 = os.procPidRusage(pid, Darwin.RUSAGE_INFO_V4, info) == 0;
            if (v4 || os.procPidRusage(pid, Darwin.RUSAGE_INFO_V2, info) == 0) {
                rss = info.get(JAVA_LONG, DarwinStructs.RI_RESIDENT_SIZE);
                footprint = info.get(JAVA_LONG, DarwinStructs.RI_PHYS_FOOTPRINT); // what Activity Monitor calls memory
                if (v4) {
                    peakFootprint = info.get(JAVA_LONG, DarwinStructs.RI_LIFETIME_MAX_PHYS_FOOTPRINT);
                }
            }
        }
        if (rss > peakRss && peakRss != -1) {
            peakRss = rss; // read a moment apart: the peak cannot be below what is resident now
        }
        if (footprint > peakFootprint && peakFootprint != -1) {
            peakFootprint = footprint;
        }
        return new ProcessInfo(elapsed, user, system, rss, peakRss, footprint, peakFootprint, majorFaults);
    }

    private static long millis(MemorySegment usage, long secondsOffset, long microsOffset) {
        return usage.get(JAVA_LONG, secondsOffset) * 1000 + usage.get(JAVA_INT, microsOffset) / 1000;
    }

    @Override
    public int randomBytes(byte[] buffer) {
        DarwinCalls os = calls();
        if (buffer.length == 0) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entropy = arena.allocate(buffer.length);
            for (int done = 0; done < buffer.length; done += Darwin.GETENTROPY_MAX) {
                int chunk = Math.min(Darwin.GETENTROPY_MAX, buffer.length - done);
                if (os.getentropy(entropy.asSlice(done, chunk), chunk) != 0) {
                    // getentropy only fails on bad arguments; stay secure with the JDK's OS-seeded generator.
                    fallbackRandom().nextBytes(buffer);
                    return 0;
                }
            }
            MemorySegment.copy(entropy, JAVA_BYTE, 0, buffer, 0, buffer.length);
            return 0;
        }
    }

    @Override
    public String describeError(int error) {
        return DarwinErrors.describe(error);
    }
}
