package dev.nalloc.os.linux;

/**
 * Linux ABI constants. The generic (asm-generic) values, which x86-64 and AArch64 share;
 * only the system call numbers differ by architecture.
 */
final class LinuxConstants {

    private LinuxConstants() {
    }

    static final int PROT_NONE = 0;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int PROT_READ_WRITE = PROT_READ | PROT_WRITE;

    static final int MAP_PRIVATE = 0x02;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final int MAP_HUGETLB = 0x40000;
    private static final int MAP_HUGE_SHIFT = 26;
    /** MAP_HUGETLB page size selectors: log2 of the page size above {@code MAP_HUGE_SHIFT}. */
    static final int MAP_HUGE_2MB = 21 << MAP_HUGE_SHIFT;
    static final int MAP_HUGE_1GB = 30 << MAP_HUGE_SHIFT;

    static final int MADV_DONTNEED = 4;
    static final int MADV_FREE = 8;
    static final int MADV_HUGEPAGE = 14;

    static final int PR_SET_THP_DISABLE = 41;
    static final int PR_GET_THP_DISABLE = 42;

    static final int MPOL_PREFERRED = 1;

    static final int RUSAGE_SELF = 0;

    /** glibc's {@code sysconf} names. */
    static final int SC_PAGESIZE = 30;
    static final int SC_PHYS_PAGES = 85;

    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;

    /** System call numbers of {@code getcpu} and {@code mbind}, which glibc does not wrap everywhere. */
    record SyscallNumbers(long getcpu, long mbind) {
        static final SyscallNumbers X86_64 = new SyscallNumbers(309, 237);
        static final SyscallNumbers AARCH64 = new SyscallNumbers(168, 235);

        static SyscallNumbers forArch(String arch) {
            return switch (arch) {
                case "amd64", "x86_64" -> X86_64;
                case "aarch64" -> AARCH64;
                default -> throw new IllegalArgumentException("unsupported architecture " + arch);
            };
        }
    }
}
