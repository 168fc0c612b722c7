package dev.nalloc.os.macos;

import java.lang.foreign.MemorySegment;

/**
 * Exactly the libSystem functions the macOS layer uses, with their C signatures: addresses and sizes
 * as {@code long}, structs and out-parameters as {@link MemorySegment}s. A call that fails returns
 * what C returns ({@code -1}, {@code MAP_FAILED}) and leaves its {@code errno} for {@link #errno()},
 * per thread, like C's {@code errno}.
 *
 * <p>{@link NativeDarwinCalls} calls the real functions; tests use a simulated kernel.
 */
interface DarwinCalls {

    /** The {@code errno} of the calling thread's last call through this interface. */
    int errno();

    /** {@code void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset)}. */
    long mmap(long address, long length, int prot, int flags, int fd, long offset);

    /** {@code int munmap(void *addr, size_t len)}. */
    int munmap(long address, long length);

    /** {@code int mprotect(void *addr, size_t len, int prot)}. */
    int mprotect(long address, long length, int prot);

    /** {@code int madvise(void *addr, size_t len, int advice)}. */
    int madvise(long address, long length, int advice);

    /** {@code int sysctlbyname(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)}. */
    int sysctlbyname(String name, MemorySegment oldValue, MemorySegment oldLength, MemorySegment newValue,
                     long newLength);

    /** {@code int getrusage(int who, struct rusage *r_usage)}. */
    int getrusage(int who, MemorySegment usage);

    /** {@code int proc_pid_rusage(int pid, int flavor, rusage_info_t *buffer)} (libproc). */
    int procPidRusage(int pid, int flavor, MemorySegment buffer);

    /** {@code pid_t getpid(void)}. */
    int getpid();

    /** {@code pthread_t pthread_self(void)}: the calling OS thread (a virtual thread's carrier); 0 when unknown. */
    default long pthreadSelf() {
        return 0;
    }

    /** {@code int getentropy(void *buf, size_t buflen)}; at most 256 bytes per call. */
    int getentropy(MemorySegment buffer, long length);
}
