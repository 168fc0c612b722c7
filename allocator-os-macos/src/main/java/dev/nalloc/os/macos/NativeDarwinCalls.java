package dev.nalloc.os.macos;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@link DarwinCalls} by FFM downcalls into libSystem. Constructing it links nothing: the downcall
 * handles live in holder classes that the JVM initialises, once, at the first call into them, so
 * this class is safe to instantiate on any OS as long as no method is called there.
 */
@SuppressWarnings("restricted") // linking libSystem is this class's job; the module is granted native access
final class NativeDarwinCalls implements DarwinCalls {

    /** The calling thread's errno capture buffer, reused for every call of that thread. */
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Capture.LAYOUT));

    @Override
    public int errno() {
        return (int) Capture.ERRNO.get(CALL_STATE.get(), 0L);
    }

    @Override
    public long mmap(long address, long length, int prot, int flags, int fd, long offset) {
        try {
            return (long) Posix.MMAP.invokeExact(CALL_STATE.get(), address, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw failure("mmap", t);
        }
    }

    @Override
    public int munmap(long address, long length) {
        try {
            return (int) Posix.MUNMAP.invokeExact(CALL_STATE.get(), address, length);
        } catch (Throwable t) {
            throw failure("munmap", t);
        }
    }

    @Override
    public int mprotect(long address, long length, int prot) {
        try {
            return (int) Posix.MPROTECT.invokeExact(CALL_STATE.get(), address, length, prot);
        } catch (Throwable t) {
            throw failure("mprotect", t);
        }
    }

    @Override
    public int madvise(long address, long length, int advice) {
        try {
            return (int) Posix.MADVISE.invokeExact(CALL_STATE.get(), address, length, advice);
        } catch (Throwable t) {
            throw failure("madvise", t);
        }
    }

    @Override
    public int sysctlbyname(String name, MemorySegment oldValue, MemorySegment oldLength, MemorySegment newValue,
                            long newLength) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cName = arena.allocateFrom(name);
            return (int) LibSystemOnly.SYSCTLBYNAME.invokeExact(CALL_STATE.get(), cName, oldValue, oldLength, newValue,
                    newLength);
        } catch (Throwable t) {
            throw failure("sysctlbyname", t);
        }
    }

    @Override
    public int getrusage(int who, MemorySegment usage) {
        try {
            return (int) Posix.GETRUSAGE.invokeExact(CALL_STATE.get(), who, usage);
        } catch (Throwable t) {
            throw failure("getrusage", t);
        }
    }

    @Override
    public int procPidRusage(int pid, int flavor, MemorySegment buffer) {
        try {
            return (int) LibSystemOnly.PROC_PID_RUSAGE.invokeExact(CALL_STATE.get(), pid, flavor, buffer);
        } catch (Throwable t) {
            throw failure("proc_pid_rusage", t);
        }
    }

    @Override
    public int getpid() {
        try {
            return (int) Posix.GETPID.invokeExact();
        } catch (Throwable t) {
            throw failure("getpid", t);
        }
    }

    @Override
    public long pthreadSelf() {
        try {
            return (long) Posix.PTHREAD_SELF.invokeExact();
        } catch (Throwable t) {
            throw failure("pthread_self", t);
        }
    }

    @Override
    public int getentropy(MemorySegment buffer, long length) {
        try {
            return (int) Posix.GETENTROPY.invokeExact(CALL_STATE.get(), buffer, length);
        } catch (Throwable t) {
            throw failure("getentropy", t);
        }
    }

    private static IllegalStateException failure(String function, Throwable t) {
        if (t instanceof RuntimeException || t instanceof Error) {
            // Linking errors (symbol missing) and FFM argument errors are bugs, not OS failures.
            return new IllegalStateException("downcall to " + function + " failed: " + t, t);
        }
        return new IllegalStateException("downcall to " + function + " failed", t);
    }

    /** The errno capture shared by every handle. */
    private static final class Capture {
        static final StructLayout LAYOUT = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final Linker.Option OPTION = Linker.Option.captureCallState("errno");
    }

    /** On macOS the linker's default lookup is libSystem (libc, libproc, the syscall wrappers). */
    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker linker = Linker.nativeLinker();
        MemorySegment symbol = linker.defaultLookup().find(name).orElseThrow(() ->
                new UnsatisfiedLinkError("the C library has no symbol " + name));
        return linker.downcallHandle(symbol, descriptor, options);
    }

    /**
     * The POSIX functions, linked at their first call. Their C signatures are the same on every
     * LP64 Unix, which lets a test check this plumbing on Linux (with Linux's flag values).
     */
    private static final class Posix {
        static final MethodHandle MMAP = link("mmap",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
                Capture.OPTION);
        static final MethodHandle MUNMAP = link("munmap",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), Capture.OPTION);
        static final MethodHandle MPROTECT = link("mprotect",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), Capture.OPTION);
        static final MethodHandle MADVISE = link("madvise",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), Capture.OPTION);
        static final MethodHandle GETRUSAGE = link("getrusage",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), Capture.OPTION);
        static final MethodHandle GETENTROPY = link("getentropy",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), Capture.OPTION);
        static final MethodHandle GETPID = link("getpid", FunctionDescriptor.of(JAVA_INT));
        // reads the thread pointer: cannot block, sets no errno
        static final MethodHandle PTHREAD_SELF = link("pthread_self", FunctionDescriptor.of(JAVA_LONG),
                Linker.Option.critical(false));
    }

    /** The functions only libSystem has, linked at their first call. */
    private static final class LibSystemOnly {
        static final MethodHandle SYSCTLBYNAME = link("sysctlbyname",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG), Capture.OPTION);
        static final MethodHandle PROC_PID_RUSAGE = link("proc_pid_rusage",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Capture.OPTION);
    }
}
