package dev.nalloc.os.macos;

import dev.nalloc.spi.conformance.HostProcess;
import dev.nalloc.spi.conformance.SimulatedAddressSpace;
import dev.nalloc.spi.conformance.SparseMemory;

import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A Java model of the XNU calls {@link DarwinCalls} declares, for tests on any OS. It keeps a page
 * table (mapped, protection, reusable, possibly-dirty) over a range of real memory
 * ({@link SparseMemory}), so callers can really read and write what {@code mmap} returns. It
 * checks arguments as XNU does and fails with XNU's errno values: {@code EINVAL} for bad
 * arguments, {@code ENOMEM} for ranges that are not mapped or do not fit.
 *
 * <p>Memory whose contents the kernel may drop (munmap then mmap again, {@code MADV_FREE_REUSABLE},
 * {@code MADV_FREE}, {@code MADV_DONTNEED}) reads as zero afterwards, the strictest behaviour the
 * real kernel may show. Only anonymous mappings exist. Protection is recorded, not enforced: a
 * write to a {@code PROT_NONE} page goes through, so tests check {@link #protectionAt} instead.
 */
@SuppressWarnings("restricted") // a kernel reads and writes its callers' memory by address
final class SimulatedDarwinKernel implements DarwinCalls, AutoCloseable {

    /** What the simulated machine looks like. */
    record Config(long pageSize, boolean superpages, long memsize, boolean sysctlWorks, boolean entropyWorks,
                  boolean reusableWorks, boolean rusageV4, long capacity) {

        /** An Apple silicon Mac: 16 KiB pages, no superpages. */
        static Config appleSilicon() {
            return new Config(16 * 1024, false, 16L << 30, true, true, true, true, 8L << 30);
        }

        /** An Intel Mac: 4 KiB pages, 2 MiB superpages. */
        static Config intel() {
            return new Config(4 * 1024, true, 32L << 30, true, true, true, true, 8L << 30);
        }

        Config withSysctlWorks(boolean works) {
            return new Config(pageSize, superpages, memsize, works, entropyWorks, reusableWorks, rusageV4, capacity);
        }

        Config withEntropyWorks(boolean works) {
            return new Config(pageSize, superpages, memsize, sysctlWorks, works, reusableWorks, rusageV4, capacity);
        }

        Config withReusableWorks(boolean works) {
            return new Config(pageSize, superpages, memsize, sysctlWorks, entropyWorks, works, rusageV4, capacity);
        }

        /** A macOS before 10.14, whose proc_pid_rusage knows no RUSAGE_INFO_V4. */
        Config withoutRusageV4() {
            return new Config(pageSize, superpages, memsize, sysctlWorks, entropyWorks, reusableWorks, false, capacity);
        }
    }

    private static final byte MAPPED = 1;
    private static final byte READ = 2;
    private static final byte WRITE = 4;
    /** The page may hold bytes other than zero (it was writable at some point). */
    private static final byte DIRTY = 8;
    private static final byte REUSABLE = 16;

    private static final int SUPERPAGE_MASK = 0x7 << Darwin.VM_FLAGS_SUPERPAGE_SHIFT;
    private static final long SUPERPAGE = 2L << 20;

    private final Config config;
    private final SparseMemory memory;
    private final SimulatedAddressSpace space;
    private final byte[] pages;
    private final ThreadLocal<int[]> errno = ThreadLocal.withInitial(() -> new int[1]);
    private final SecureRandom entropy = new SecureRandom();
    private long peakResident;
    private long footprintPages;
    private long peakFootprintPages;
    private int mmapCalls;

    SimulatedDarwinKernel(Config config) {
        this.config = config;
        this.memory = new SparseMemory(config.capacity());
        // Start one page in, so that the first mappings are not accidentally aligned to everything.
        this.space = new SimulatedAddressSpace(memory, config.pageSize(), config.pageSize());
        this.pages = new byte[space.pageCount()];
    }

    Config config() {
        return config;
    }

    // ------------------------------------------------------------------ errno

    @Override
    public int errno() {
        return errno.get()[0];
    }

    private int fail(int error) {
        errno.get()[0] = error;
        return -1;
    }

    private long failAddress(int error) {
        errno.get()[0] = error;
        return Darwin.MAP_FAILED;
    }

    // ------------------------------------------------------------------ virtual memory

    @Override
    public synchronized long mmap(long address, long length, int prot, int flags, int fd, long offset) {
        mmapCalls++;
        int sharing = flags & (Darwin.MAP_PRIVATE | Darwin.MAP_SHARED);
        if ((flags & Darwin.MAP_ANON) == 0 || sharing == 0 || sharing == (Darwin.MAP_PRIVATE | Darwin.MAP_SHARED)
                || length <= 0 || offset != 0 || (prot & ~(Darwin.PROT_READ | Darwin.PROT_WRITE | Darwin.PROT_EXEC)) != 0) {
            return failAddress(Darwin.EINVAL);
        }
        long size = roundUpToPage(length);
        if (size < 0 || size > config.capacity()) {
            return failAddress(Darwin.ENOMEM);
        }
        long alignment = config.pageSize();
        int superpage = fd == -1 ? 0 : fd & SUPERPAGE_MASK;
        if (superpage != 0) {
            if (superpage != Darwin.VM_FLAGS_SUPERPAGE_SIZE_2MB || !config.superpages()) {
                return failAddress(Darwin.ENOTSUP);
            }
            if (size % SUPERPAGE != 0) {
                return failAddress(Darwin.EINVAL);
            }
            alignment = SUPERPAGE;
        }
        long start;
        if ((flags & Darwin.MAP_FIXED) != 0) {
            if ((address & (alignment - 1)) != 0) {
                return failAddress(Darwin.EINVAL);
            }
            if (!space.inside(address, size)) {
                return failAddress(Darwin.ENOMEM);
            }
            start = address;
        } else if (address != 0 && (address & (alignment - 1)) == 0 && space.inside(address, size) && isFree(address, size)) {
            start = address; // a free hint is honoured
        } else {
            start = space.findFree(size, alignment, i -> (pages[i] & MAPPED) != 0);
            if (start == 0) {
                return failAddress(Darwin.ENOMEM);
            }
        }
        byte flagsForPage = (byte) (MAPPED | protBits(prot));
        space.forPages(start, size, i -> {
            if ((pages[i] & DIRTY) != 0) {
                memory.zero(space.addressOf(i), config.pageSize()); // fresh anonymous memory reads as zero
            }
            setPage(i, flagsForPage | ((prot & Darwin.PROT_WRITE) != 0 ? DIRTY : 0));
        });
        return start;
    }

    @Override
    public synchronized int munmap(long address, long length) {
        if ((address & (config.pageSize() - 1)) != 0 || length <= 0) {
            return fail(Darwin.EINVAL);
        }
        long size = roundUpToPage(length);
        if (size < 0 || !space.inside(address, size)) {
            return fail(Darwin.EINVAL);
        }
        space.forPages(address, size, i -> setPage(i, pages[i] & DIRTY)); // the page may still hold old bytes
        return 0;
    }

    @Override
    public synchronized int mprotect(long address, long length, int prot) {
        if ((address & (config.pageSize() - 1)) != 0 || length < 0
                || (prot & ~(Darwin.PROT_READ | Darwin.PROT_WRITE | Darwin.PROT_EXEC)) != 0) {
            return fail(Darwin.EINVAL);
        }
        long size = roundUpToPage(length);
        if (size < 0 || !space.inside(address, size) || !allMapped(address, size)) {
            return fail(Darwin.ENOMEM);
        }
        space.forPages(address, size, i -> setPage(i, (pages[i] & (MAPPED | DIRTY | REUSABLE)) | protBits(prot)
                | ((prot & Darwin.PROT_WRITE) != 0 ? DIRTY : 0)));
        return 0;
    }

    @Override
    public synchronized int madvise(long address, long length, int advice) {
        if ((address & (config.pageSize() - 1)) != 0 || length < 0 || advice < 0 || advice > 10) {
            return fail(Darwin.EINVAL);
        }
        long size = roundUpToPage(length);
        if (size < 0 || !space.inside(address, size) || !allMapped(address, size)) {
            return fail(Darwin.ENOMEM);
        }
        switch (advice) {
            case Darwin.MADV_FREE_REUSABLE -> {
                if (!config.reusableWorks()) {
                    return fail(Darwin.EINVAL);
                }
                discard(address, size);
                space.forPages(address, size, i -> setPage(i, pages[i] | REUSABLE));
            }
            case Darwin.MADV_FREE_REUSE -> space.forPages(address, size, i -> setPage(i, pages[i] & ~REUSABLE));
            case Darwin.MADV_DONTNEED, Darwin.MADV_FREE -> discard(address, size);
            default -> {
                // other advice only tunes paging
            }
        }
        return 0;
    }

    /** The kernel may take the pages: model the worst case, they come back as zero. */
    private void discard(long address, long size) {
        space.forPages(address, size, i -> {
            if ((pages[i] & DIRTY) != 0) {
                memory.zero(space.addressOf(i), config.pageSize());
                if ((pages[i] & WRITE) == 0) {
                    setPage(i, pages[i] & ~DIRTY);
                }
            }
        });
    }

    // ------------------------------------------------------------------ system information

    @Override
    public int sysctlbyname(String name, MemorySegment oldValue, MemorySegment oldLength, MemorySegment newValue,
                            long newLength) {
        if (!config.sysctlWorks()) {
            return fail(Darwin.ENOSYS);
        }
        if (newValue.address() != 0 || newLength != 0) {
            return fail(Darwin.EPERM); // read-only values
        }
        long value = switch (name) {
            case "hw.pagesize" -> config.pageSize();
            case "hw.memsize" -> config.memsize();
            default -> -1;
        };
        if (value < 0) {
            return fail(2); // ENOENT
        }
        if (oldValue.address() != 0) {
            if (oldLength.get(JAVA_LONG, 0) < Long.BYTES) {
                return fail(Darwin.ENOMEM);
            }
            oldValue.set(JAVA_LONG, 0, value);
        }
        oldLength.set(JAVA_LONG, 0, Long.BYTES);
        return 0;
    }

    @Override
    public int getrusage(int who, MemorySegment usage) {
        if (who != Darwin.RUSAGE_SELF && who != -1) {
            return fail(Darwin.EINVAL);
        }
        usage.asSlice(0, DarwinStructs.RUSAGE.byteSize()).fill((byte) 0);
        if (who == -1) {
            return 0; // no children
        }
        long micros = HostProcess.cpuTime().toNanos() / 1000;
        usage.set(JAVA_LONG, DarwinStructs.RU_UTIME_SEC, micros / 1_000_000);
        usage.set(JAVA_INT, DarwinStructs.RU_UTIME_USEC, (int) (micros % 1_000_000));
        usage.set(JAVA_LONG, DarwinStructs.RU_MAXRSS, peakResident());
        usage.set(JAVA_LONG, DarwinStructs.RU_MAJFLT, HostProcess.majorFaults());
        return 0;
    }

    @Override
    public int procPidRusage(int pid, int flavor, MemorySegment buffer) {
        if (pid != getpid()) {
            return fail(3); // ESRCH
        }
        if (flavor != Darwin.RUSAGE_INFO_V2 && !(flavor == Darwin.RUSAGE_INFO_V4 && config.rusageV4())) {
            return fail(Darwin.EINVAL); // this model answers only the flavors the layer uses
        }
        long size = flavor == Darwin.RUSAGE_INFO_V4 ? DarwinStructs.RUSAGE_INFO_V4.byteSize()
                : DarwinStructs.RUSAGE_INFO_V2.byteSize();
        MemorySegment info = buffer.reinterpret(size);
        info.fill((byte) 0);
        info.set(JAVA_LONG, DarwinStructs.RI_RESIDENT_SIZE, resident());
        info.set(JAVA_LONG, DarwinStructs.RI_PHYS_FOOTPRINT, footprint());
        info.set(JAVA_LONG, DarwinStructs.RI_PAGEINS, HostProcess.majorFaults());
        if (flavor == Darwin.RUSAGE_INFO_V4) {
            info.set(JAVA_LONG, DarwinStructs.RI_LIFETIME_MAX_PHYS_FOOTPRINT, peakFootprint());
        }
        return 0;
    }

    @Override
    public int getpid() {
        return HostProcess.pid();
    }

    @Override
    public int getentropy(MemorySegment buffer, long length) {
        if (length > Darwin.GETENTROPY_MAX || !config.entropyWorks()) {
            return fail(Darwin.EIO);
        }
        byte[] bytes = new byte[(int) length];
        entropy.nextBytes(bytes);
        MemorySegment.copy(bytes, 0, buffer, JAVA_BYTE, 0, bytes.length);
        return 0;
    }

    // ------------------------------------------------------------------ inspection for tests

    /** The PROT_* bits of the page at an address, or -1 when it is not mapped. */
    synchronized int protectionAt(long address) {
        int i = space.pageIndex(address);
        if ((pages[i] & MAPPED) == 0) {
            return -1;
        }
        return ((pages[i] & READ) != 0 ? Darwin.PROT_READ : 0) | ((pages[i] & WRITE) != 0 ? Darwin.PROT_WRITE : 0);
    }

    synchronized boolean isMapped(long address) {
        return (pages[space.pageIndex(address)] & MAPPED) != 0;
    }

    synchronized boolean isReusable(long address) {
        return (pages[space.pageIndex(address)] & REUSABLE) != 0;
    }

    /** Bytes of writable pages not marked reusable: what XNU's phys_footprint charges (if all were touched). */
    synchronized long footprint() {
        return footprintPages * config.pageSize();
    }

    /** The largest footprint there has been. */
    synchronized long peakFootprint() {
        return peakFootprintPages * config.pageSize();
    }

    /** Every page change goes through here, to keep the footprint count exact. */
    private void setPage(int index, int flags) {
        footprintPages += (charged(flags) ? 1 : 0) - (charged(pages[index]) ? 1 : 0);
        peakFootprintPages = Math.max(peakFootprintPages, footprintPages);
        pages[index] = (byte) flags;
    }

    private static boolean charged(int flags) {
        return (flags & (MAPPED | WRITE | REUSABLE)) == (MAPPED | WRITE);
    }

    synchronized long mappedBytes() {
        long count = 0;
        for (byte p : pages) {
            if ((p & MAPPED) != 0) {
                count++;
            }
        }
        return count * config.pageSize();
    }

    synchronized int mmapCalls() {
        return mmapCalls;
    }

    private synchronized long peakResident() {
        peakResident = Math.max(peakResident, Math.max(resident(), HostProcess.peakResidentBytes()));
        return peakResident;
    }

    private long resident() {
        long host = HostProcess.residentBytes();
        return host >= 0 ? host : footprint();
    }

    // ------------------------------------------------------------------ page table helpers

    private int protBits(int prot) {
        return ((prot & Darwin.PROT_READ) != 0 ? READ : 0) | ((prot & Darwin.PROT_WRITE) != 0 ? WRITE : 0);
    }

    private long roundUpToPage(long length) {
        long mask = config.pageSize() - 1;
        return length > Long.MAX_VALUE - mask ? -1 : (length + mask) & ~mask;
    }

    private boolean isFree(long address, long size) {
        return space.lastPageWhere(address, size, i -> (pages[i] & MAPPED) != 0) < 0;
    }

    private boolean allMapped(long address, long size) {
        return space.lastPageWhere(address, size, i -> (pages[i] & MAPPED) == 0) < 0;
    }

    @Override
    public void close() {
        memory.close();
    }
}
