package dev.nalloc.os.linux;

import dev.nalloc.spi.OsPrimitives.MemoryConfig;

/** Probes the memory configuration the way mimalloc's {@code _mi_prim_mem_init} does on Linux. */
final class LinuxMemoryConfig {

    static final String MEMINFO = "/proc/meminfo";
    static final String OVERCOMMIT = "/proc/sys/vm/overcommit_memory";
    private static final long DEFAULT_PAGE_SIZE = 4096;

    private LinuxMemoryConfig() {
    }

    static MemoryConfig probe(LinuxSyscalls sys, String arch) {
        long page = sys.sysconf(LinuxConstants.SC_PAGESIZE);
        if (page <= 0 || Long.bitCount(page) != 1) {
            page = DEFAULT_PAGE_SIZE;
        }
        String meminfo = sys.readFile(MEMINFO);
        // Hugepagesize is absent when the kernel has no hugetlbfs: then there are no large OS pages.
        long large = ProcFiles.kibibyteField(meminfo, "Hugepagesize");
        if (large <= page || Long.bitCount(large) != 1) {
            large = 0;
        }
        long physicalPages = sys.sysconf(LinuxConstants.SC_PHYS_PAGES);
        long physical = physicalPages > 0 ? physicalPages * page : Math.max(0, ProcFiles.kibibyteField(meminfo, "MemTotal"));
        return new MemoryConfig(page, large, page, physical, virtualAddressBits(arch), hasOvercommit(sys), true, true);
    }

    /**
     * 0 (heuristic) and 1 (always) overcommit; 2 (never) charges every writable private mapping
     * against the commit limit and ignores MAP_NORESERVE. Unknown counts as overcommit, the
     * kernel's default.
     */
    static boolean hasOvercommit(LinuxSyscalls sys) {
        String mode = sys.readFile(OVERCOMMIT);
        if (mode == null || mode.isBlank()) {
            return true;
        }
        char c = mode.trim().charAt(0);
        return c == '0' || c == '1';
    }

    /** User space spans 47 bits with x86-64's 4-level paging and 48 bits on AArch64 with 48-bit VAs. */
    static int virtualAddressBits(String arch) {
        return "aarch64".equals(arch) ? 48 : 47;
    }
}
