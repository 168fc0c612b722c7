package dev.nalloc.spi;

import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * The OS layer, mirroring mimalloc's {@code prim.h}: virtual memory (reserve, commit, decommit,
 * reset, protect, free), memory configuration, huge OS pages, NUMA, a monotonic clock, process
 * information and secure random bytes.
 *
 * <p>Each OS module provides one through {@link ServiceLoader}. Providers are cheap to construct
 * and make no native call before {@link #support()} says they are supported. Memory operations
 * report failure with an OS error code ({@code errno}, {@code GetLastError}): {@code 0} means
 * success, and they never throw for an OS failure.
 *
 * <p>Addresses and sizes of memory operations should be multiples of
 * {@link MemoryConfig#pageSize()}; an unaligned or zero size is refused with an error code.
 * A user's own implementation can be checked with the conformance suite in the
 * {@code allocator-api} test-jar ({@code dev.nalloc.spi.conformance.OsPrimitivesConformance}).
 */
public interface OsPrimitives {

    // ------------------------------------------------------------------ identity and discovery

    /** {@return a short name: {@code linux}, {@code macos}, {@code windows}, or a user's own} */
    String name();

    /** {@return the priority: among supported providers the highest wins} */
    int priority();

    /** {@return whether this provider works on the running OS and architecture, and why not} */
    Support support();

    /**
     * Whether a provider is supported, with the reason when it is not.
     *
     * @param supported the provider works here
     * @param reason    why not (for messages), or {@code "supported"}
     */
    record Support(boolean supported, String reason) {
        /** The reason is required. */
        public Support {
            Objects.requireNonNull(reason, "reason");
        }

        /** {@return the answer of a supported provider} */
        public static Support yes() {
            return new Support(true, "supported");
        }

        /**
         * {@return the answer of a provider that does not work here}
         *
         * @param reason why not, e.g. {@code requires macOS (running Linux/amd64)}
         */
        public static Support no(String reason) {
            return new Support(false, reason);
        }
    }

    /**
     * {@return every provider found with ServiceLoader, supported or not, highest priority first}
     * Each call constructs new instances. Safe to call from a provider's own constructor (to
     * delegate to the installed layer): providers whose construction is in progress on the calling
     * thread are left out, so a layer never finds itself.
     */
    static List<OsPrimitives> available() {
        return OsProviders.load();
    }

    /**
     * The supported provider with the highest priority.
     *
     * @return a new instance of that provider
     * @throws IllegalStateException when none is supported; the message lists every provider
     *                               found with its reason, or says which artifact to add
     */
    static OsPrimitives best() {
        List<OsPrimitives> all = available();
        return all.stream().filter(p -> p.support().supported()).findFirst().orElseThrow(() ->
                new IllegalStateException(noneSupported(all)));
    }

    /**
     * {@return the provider with this name, supported or not}
     *
     * @param name the provider's {@link #name()}, any case
     * @throws IllegalStateException when no provider has the name
     * @throws NullPointerException  when {@code name} is null
     */
    static OsPrimitives named(String name) {
        Objects.requireNonNull(name, "name");
        List<OsPrimitives> all = available();
        return all.stream().filter(p -> p.name().equalsIgnoreCase(name)).findFirst().orElseThrow(() ->
                new IllegalStateException("no OS primitives named '" + name + "'; found: "
                        + all.stream().map(OsPrimitives::name).collect(Collectors.joining(", "))));
    }

    private static String noneSupported(List<OsPrimitives> all) {
        String os = System.getProperty("os.name") + "/" + System.getProperty("os.arch");
        if (all.isEmpty()) {
            return "no Nalloc OS layer found for " + os + ": add dev.nalloc:allocator-os-linux, "
                    + "allocator-os-macos or allocator-os-windows to the class path or module path";
        }
        return "no Nalloc OS layer supports " + os + ": " + all.stream()
                .map(p -> p.name() + " (" + p.support().reason() + ")")
                .collect(Collectors.joining("; "));
    }

    // ------------------------------------------------------------------ configuration

    /** {@return the OS's memory configuration (mimalloc's {@code mi_os_mem_config_t})} */
    MemoryConfig memoryConfig();

    /**
     * The layer an allocator instance uses, set up by that instance's options; called once, when
     * the instance is built. A layer that acts on an option returns a copy that does (the macOS layer
     * tags its mappings with option {@code os_tag}), so that instances sharing one layer object each
     * get their own; the default returns this layer. A wrapper (such as a {@link ForwardingOsPrimitives})
     * that should pass the options on overrides it.
     *
     * @param options the instance's options
     * @return the layer to use for that instance
     */
    default OsPrimitives configure(dev.nalloc.api.OptionValues options) {
        return this;
    }

    /**
     * The OS's memory configuration.
     *
     * @param pageSize            the OS page size (4 KiB usually)
     * @param largePageSize       the large page size (2 MiB on x86-64), 0 when unavailable
     * @param allocGranularity    the granularity of reservations (64 KiB on Windows, the page size elsewhere)
     * @param physicalMemory      bytes of physical memory
     * @param virtualAddressBits  usable bits of a virtual address (47 or 48 usually)
     * @param hasOvercommit       the OS overcommits (commit charges nothing until touched)
     * @param hasPartialFree      part of a reservation can be freed (munmap yes; VirtualFree no)
     * @param hasVirtualReserve   address space can be reserved without committing it
     */
    record MemoryConfig(long pageSize, long largePageSize, long allocGranularity, long physicalMemory,
                        int virtualAddressBits, boolean hasOvercommit, boolean hasPartialFree,
                        boolean hasVirtualReserve) {
    }

    // ------------------------------------------------------------------ virtual memory

    /**
     * Reserves (and with {@code commit} also commits) {@code size} bytes.
     *
     * @param hintAddress  a preferred address, or 0
     * @param size         bytes, a positive multiple of the allocation granularity
     * @param tryAlignment an alignment to aim for (a hint only), or 0/1
     * @param commit       commit the memory as well
     * @param allowLarge   large OS pages may be used
     * @return the reservation, or {@link Allocation#failed(int) a failure} with the OS error code
     */
    Allocation alloc(long hintAddress, long size, long tryAlignment, boolean commit, boolean allowLarge);

    /**
     * Like {@link #alloc} but the address is guaranteed to be {@code alignment}-aligned (a power of two
     * that is a multiple of the allocation granularity). The default over-allocates and trims where
     * partial free is possible, or re-reserves inside the over-allocation where it is not.
     *
     * <p>The engine reserves every segment and arena through this method, not through
     * {@link #alloc}: a layer (or a {@link ForwardingOsPrimitives}) that counts, places or fails
     * reservations must handle both.
     *
     * @param size       bytes, a positive multiple of the allocation granularity
     * @param alignment  the alignment of the address
     * @param commit     commit the memory as well
     * @param allowLarge large OS pages may be used
     * @return the reservation, or {@link Allocation#failed(int) a failure} with the OS error code
     */
    default Allocation allocAligned(long size, long alignment, boolean commit, boolean allowLarge) {
        return AlignedAllocation.allocate(this, size, alignment, commit, allowLarge);
    }

    /**
     * Gives a whole reservation (as returned by {@link #alloc}) or, where possible, a part of it back.
     *
     * @param address the start
     * @param size    bytes
     * @return 0, or the OS error code
     */
    int free(long address, long size);

    /**
     * Commits memory so it can be used; tells whether it is known to be zero.
     *
     * @param address the start, page-aligned
     * @param size    bytes, a multiple of the page size
     * @return the result
     */
    CommitResult commit(long address, long size);

    /**
     * Decommits memory (its contents are lost); tells whether it must be re-committed before use.
     *
     * @param address the start, page-aligned
     * @param size    bytes, a multiple of the page size
     * @return the result
     */
    DecommitResult decommit(long address, long size);

    /**
     * Tells the OS the contents are not needed (MADV_FREE, MEM_RESET); the memory stays committed.
     *
     * @param address the start, page-aligned
     * @param size    bytes, a multiple of the page size
     * @return 0, or the OS error code
     */
    int reset(long address, long size);

    /**
     * Announces reuse of memory that was {@link #reset} (needed on macOS; a no-op elsewhere).
     *
     * @param address the start, page-aligned
     * @param size    bytes, a multiple of the page size
     * @return 0, or the OS error code
     */
    int reuse(long address, long size);

    /**
     * Makes memory inaccessible ({@code protect}) or read-write again.
     *
     * @param address the start, page-aligned
     * @param size    bytes, a multiple of the page size
     * @param protect true for no access, false for read-write
     * @return 0, or the OS error code
     */
    int protect(long address, long size, boolean protect);

    /**
     * Drops the contents of {@code [address, address + size)} (part or all of one reservation)
     * without making any of it inaccessible, not even for a moment: every page that was readable
     * and writable stays so, reading as zero (or, where the OS cannot promise that, as some
     * content of the range's past), and its physical memory goes back to the OS as soon as it
     * allows; pages that were not accessible stay as they were. Nalloc calls it when an instance
     * closes while other threads may still be inside its calls (they find memory, not a fault),
     * and frees the range with {@link #free} once no thread can reach it.
     *
     * <p>The default {@link #reset}s the range, which keeps memory accessible everywhere; layers
     * whose reset refuses ranges with uncommitted pages (Windows) or that can give memory back
     * sooner (Linux: {@code MADV_DONTNEED}) override it.
     *
     * @param address the start, page-aligned
     * @param size    bytes, a multiple of the page size
     * @return 0, or the OS error code
     */
    default int discard(long address, long size) {
        return reset(address, size);
    }

    /**
     * Switches transparent huge pages for this process on or off (Linux prctl).
     *
     * @param enable on or off
     * @return 0, or an error code where unsupported
     */
    int setTransparentHugePages(boolean enable);

    /**
     * Allocates {@code size} bytes (a multiple of 1 GiB) of huge OS pages on a NUMA node
     * (-1: any), committed. Fails with an error code where the OS has no such pages.
     *
     * @param hintAddress a preferred address, or 0
     * @param size        bytes, a multiple of 1 GiB
     * @param numaNode    the node, or -1 for any
     * @return the allocation, or {@link Allocation#failed(int) a failure} with the OS error code
     */
    Allocation allocHugeOsPages(long hintAddress, long size, int numaNode);

    // ------------------------------------------------------------------ NUMA, time, process, random

    /** {@return NUMA nodes of the machine (at least 1)} */
    int numaNodeCount();

    /** {@return the NUMA node of the calling thread's CPU (0 when unknown)} */
    int currentNumaNode();

    /**
     * {@return an identity of the OS thread that runs the caller, or {@code 0} when this layer cannot
     * tell without a system call} For a virtual thread this is its carrier's: mimalloc keeps a heap
     * per OS thread, and the engine uses this to give a virtual thread the shared heap that the last
     * virtual thread on the same carrier used, whose pages are still in that core's caches. Two OS
     * threads alive at once never have the same identity; an ended thread's may be reused. Called
     * once per lease of a shared heap, never on an allocation's fast path. The default is {@code 0}.
     */
    default long osThreadId() {
        return 0;
    }

    /** {@return the time of a monotonic clock, in nanoseconds} */
    long clockNanos();

    /** {@return process information: times, resident and committed memory, page faults} */
    ProcessInfo processInfo();

    /**
     * {@return the bytes of {@code [address, address + size)} that are resident in physical memory
     * now, or {@code -1} when this layer cannot tell cheaply} Linux answers with {@code mincore}; the
     * default, for every other layer, is {@code -1}. Statistics call it only when a snapshot's
     * resident estimate is read, never on an allocation path.
     *
     * @param address the start of a page-aligned range this layer reserved
     * @param size    bytes
     */
    default long residentBytes(long address, long size) {
        return -1;
    }

    /**
     * Fills {@code buffer} with cryptographically secure random bytes.
     *
     * @param buffer filled completely on success
     * @return 0, or the OS error code
     */
    int randomBytes(byte[] buffer);

    /**
     * {@return a readable description of an error code of this OS} (for messages)
     *
     * @param error an error code this layer returned
     */
    String describeError(int error);

    // ------------------------------------------------------------------ results

    /**
     * The result of an allocation.
     *
     * @param address the start, or 0 on failure
     * @param size    bytes
     * @param large   backed by large or huge OS pages
     * @param zero    known to read as zero
     * @param error   0, or the OS error code
     */
    record Allocation(long address, long size, boolean large, boolean zero, int error) {
        /**
         * {@return a failed allocation}
         *
         * @param error the OS error code
         */
        public static Allocation failed(int error) {
            return new Allocation(0, 0, false, false, error);
        }

        /** {@return true when memory was had: no error and a non-zero address} */
        public boolean ok() {
            return error == 0 && address != 0;
        }
    }

    /**
     * The result of a commit.
     *
     * @param error 0, or the OS error code
     * @param zero  the memory is known to read as zero
     */
    record CommitResult(int error, boolean zero) {
        /** {@return true when the commit succeeded} */
        public boolean ok() {
            return error == 0;
        }
    }

    /**
     * The result of a decommit.
     *
     * @param error         0, or the OS error code
     * @param needsRecommit {@link #commit} must run before the memory is used again
     */
    record DecommitResult(int error, boolean needsRecommit) {
        /** {@return true when the decommit succeeded} */
        public boolean ok() {
            return error == 0;
        }
    }

    /**
     * Process information (mimalloc's {@code mi_process_info}); -1 for what the OS cannot tell.
     *
     * @param elapsedMillis   since the process started
     * @param userMillis      CPU time in user mode
     * @param systemMillis    CPU time in kernel mode
     * @param currentRss      resident bytes now
     * @param peakRss         peak resident bytes
     * @param currentCommit   committed bytes now
     * @param peakCommit      peak committed bytes
     * @param pageFaults      major page faults
     */
    record ProcessInfo(long elapsedMillis, long userMillis, long systemMillis, long currentRss, long peakRss,
                       long currentCommit, long peakCommit, long pageFaults) {
    }
}
