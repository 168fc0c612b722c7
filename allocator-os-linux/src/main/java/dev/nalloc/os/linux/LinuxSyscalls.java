package dev.nalloc.os.linux;

import java.util.List;

/**
 * The raw calls the Linux OS layer makes, one method per system call or file it reads.
 *
 * <p>Conventions, chosen so that the hot calls allocate nothing: a call that returns a value
 * returns it when it is non-negative and {@code -errno} on failure (the kernel's own convention);
 * a call without a value returns {@code 0} or a positive {@code errno}. Pointers are plain
 * {@code long} addresses.
 */
interface LinuxSyscalls {

    /** {@code mmap(address, length, protection, flags, -1, 0)}: the mapped address, or {@code -errno}. */
    long mmap(long address, long length, int protection, int flags);

    /** {@code munmap}: 0 or errno. */
    int munmap(long address, long length);

    /** {@code mprotect}: 0 or errno. */
    int mprotect(long address, long length, int protection);

    /** {@code madvise}: 0 or errno. */
    int madvise(long address, long length, int advice);

    /**
     * {@code mincore} over {@code [address, address + length)} (page-aligned), in chunks: the number
     * of pages resident in physical memory, or {@code -errno}.
     */
    long residentPages(long address, long length, long pageSize);

    /** {@code prctl(option, arg2, 0, 0, 0)}: the (non-negative) result, or {@code -errno}. */
    int prctl(int option, long arg2);

    /**
     * {@code getrandom} into {@code buffer[offset, offset+length)} with no flags: the number of
     * bytes written, or {@code -errno}. Implementations may write fewer bytes than asked.
     */
    int getrandom(byte[] buffer, int offset, int length);

    /** {@code getrusage(RUSAGE_SELF)}, or null when it fails. */
    ResourceUsage getrusage();

    /** {@code sysconf(name)}: the value, or a negative number when unknown. */
    long sysconf(int name);

    /** {@code pthread_self()}: the calling OS thread's identity (a virtual thread's carrier's); 0 when unknown. */
    default long pthreadSelf() {
        return 0;
    }

    /** The NUMA node of the calling thread's CPU ({@code getcpu}), or {@code -errno}. */
    int getcpuNode();

    /**
     * {@code mbind(address, length, mode, &nodeMask, 65, flags)} with a one-word node mask (nodes 0 to 63): 0 or errno.
     */
    int mbind(long address, long length, int mode, long nodeMask, int flags);

    /** The text of a (small) file such as {@code /proc/meminfo}, or null when it cannot be read. */
    String readFile(String path);

    /** The entry names of a directory such as {@code /sys/devices/system/node}, empty when unreadable. */
    List<String> listDirectory(String path);

    /**
     * The parts of {@code struct rusage} the OS layer reports.
     *
     * @param userMicros   CPU time in user mode
     * @param systemMicros CPU time in kernel mode
     * @param maxRssKiB    peak resident set in KiB
     * @param majorFaults  page faults that needed I/O
     */
    record ResourceUsage(long userMicros, long systemMicros, long maxRssKiB, long majorFaults) {
    }
}
