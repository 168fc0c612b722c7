package dev.nalloc.os.macos;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@link DarwinCalls} by FFM downcalls into libSystem. Constructing it links nothing: the downcall
 * handles live in a holder class that the JVM initialises, once, at the first call, so this class is
 * safe to instantiate on any OS as long as no method is called there.
 */
final class NativeDarwinCalls implements DarwinCalls {

    /** The calling thread's errno capture buffer, reused for every call of that thread. */
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Handles.CAPTURE_LAYOUT));

    @Override
    public int errno() {
        return (int) Handles.ERRNO.get(CALL_STATE.get(), 0L);
    }

    @Override
    public long mmap(long address, long length, int prot, int flags, int fd, long offset) {
        try {
            return (long) Handles.MMAP.invokeExact(CALL_STATE.get(), address, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw failure("mmap", t);
        }
    }

    @Override
    public int munmap(long address, long length) {
        try {
            return (int) Handles.MUNMAP.invokeExact(CALL_STATE.get(), address, length);
        } catch (Throwable t) {
            throw failure("munmap", t);
        }
    }

    @Override
    public int mprotect(long address, long length, int prot) {
        try {
            return (int) Handles.MPROTECT.invokeExact(CALL_STATE.get(), address, length, prot);
        } catch (Throwable t) {
            throw failure("mprotect", t);
        }
    }

    @Override
    public int madvise(long address, long length, int advice) {
        try {
            return (int) Handles.MADVISE.invokeExact(CALL_STATE.get(), address, length, advice);
        } catch (Throwable t) {
            throw failure("madvise", t);
        }
    }

    @Override
    public int sysctlbyname(String name, MemorySegment oldValue, MemorySegment oldLength, MemorySegment newValue,
                            long newLength) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cName = arena.allocateFrom(name);
            return (int) Handles.SYSCTLBYNAME.invokeExact(CALL_STATE.get(), cName, oldValue, oldLength, newValue,
                    newLength);
        } catch (Throwable t) {
            throw failure("sysctlbyname", t);
        }
    }

    @Override
    public int getrusage(int who, MemorySegment usage) {
        try {
            return (int) Handles.GETRUSAGE.invokeExact(CALL_STATE.get(), who, usage);
        } catch (Throwable t) {
            throw failure("getrusage", t);
        }
    }

    @Override
    public int procPidRusage(int pid, int flavor, MemorySegment buffer) {
        try {
            return (int) Handles.PROC_PID_RUSAGE.invokeExact(CALL_STATE.get(), pid, flavor, buffer);
        } catch (Throwable t) {
            throw failure("proc_pid_rusage", t);
        }
    }

    @Override
    public int getpid() {
        try {
            return (int) Handles.GETPID.invokeExact();
        } catch (Throwable t) {
            throw failure("getpid", t);
        }
    }

    @Override
    public int getentropy(MemorySegment buffer, long length) {
        try {
            return (int) Handles.GETENTROPY.invokeExact(CALL_STATE.get(), buffer, length);
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

    /** Linked at the first call on macOS, never before. */
    private static final class Handles {
        private static final Linker LINKER = Linker.nativeLinker();
        /** On macOS the linker's default lookup is libSystem (libc, libproc, the syscall wrappers). */
        private static final SymbolLookup LIBSYSTEM = LINKER.defaultLookup();
        static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

        static final MethodHandle MMAP = errnoCall("mmap",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        static final MethodHandle MUNMAP = errnoCall("munmap",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        static final MethodHandle MPROTECT = errnoCall("mprotect",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
        static final MethodHandle MADVISE = errnoCall("madvise",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
        static final MethodHandle SYSCTLBYNAME = errnoCall("sysctlbyname",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        static final MethodHandle GETRUSAGE = errnoCall("getrusage",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        static final MethodHandle PROC_PID_RUSAGE = errnoCall("proc_pid_rusage",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        static final MethodHandle GETENTROPY = errnoCall("getentropy",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle GETPID = LINKER.downcallHandle(symbol("getpid"), FunctionDescriptor.of(JAVA_INT));

        private static MethodHandle errnoCall(String name, FunctionDescriptor descriptor) {
            return LINKER.downcallHandle(symbol(name), descriptor, CAPTURE_ERRNO);
        }

        private static MemorySegment symbol(String name) {
            return LIBSYSTEM.find(name).orElseThrow(() ->
                    new UnsatisfiedLinkError("libSystem has no symbol " + name));
        }
    }
}
