package dev.nalloc.os.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@link LinuxSyscalls} through FFM downcalls to the C library. Every call captures {@code errno}
 * into a per-thread segment, so a call allocates nothing on the Java heap. Pointers and sizes are
 * passed as {@code long}, which both supported ABIs (x86-64 SysV, AArch64 AAPCS) pass like
 * pointers. Constructing this class links the downcalls, so it is only made once the provider
 * has checked it runs on Linux.
 */
final class LibcSyscalls implements LinuxSyscalls {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** Bytes of {@code struct rusage} on 64-bit Linux: two timevals and fourteen longs. */
    private static final long RUSAGE_SIZE = 144;
    private static final long RUSAGE_MAXRSS = 32;
    private static final long RUSAGE_MAJFLT = 72;
    /** The largest {@code getrandom} request the kernel always fills completely. */
    private static final int RANDOM_CHUNK = 256;

    private final MethodHandle mmap;
    private final MethodHandle munmap;
    private final MethodHandle mprotect;
    private final MethodHandle madvise;
    private final MethodHandle sysconf;
    private final LinuxConstants.SyscallNumbers numbers;

    // The calls an allocator needs from its start (sysconf, mmap, munmap, mprotect, madvise) are
    // linked when this class is made; the others on first use, each in its own holder class.
    // Linking a downcall handle spins classes and costs a few hundred KiB of heap: an ordinary run
    // never pays for the calls it does not make.

    private static final class Mincore {
        static final MethodHandle H = link("mincore", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    }

    private static final class Prctl {
        // int prctl(int option, ...): the four further arguments are variadic longs.
        static final MethodHandle H = link("prctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG,
                JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    }

    private static final class GetRandom {
        static final MethodHandle H = link("getrandom", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT));
    }

    private static final class GetRusage {
        static final MethodHandle H = link("getrusage", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    }

    /** glibc's getcpu (2.29+), which uses the vDSO; else {@code syscall(SYS_getcpu, ...)}. */
    private static final class GetCpu {
        static final MethodHandle GLIBC = LIBC.find("getcpu").isPresent()
                ? link("getcpu", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG)) : null;
        // long syscall(long number, ...)
        static final MethodHandle SYSCALL3 = GLIBC != null ? null : link("syscall", FunctionDescriptor.of(JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    }

    /** {@code pthread_self}: reads the thread pointer, so the call cannot block and needs no errno. */
    private static final class PthreadSelf {
        static final MethodHandle H = LINKER.downcallHandle(LIBC.find("pthread_self").orElseThrow(() ->
                new UnsatisfiedLinkError("the C library has no symbol pthread_self")),
                FunctionDescriptor.of(JAVA_LONG), Linker.Option.critical(false));
    }

    private static final class Syscall6 {
        static final MethodHandle H = link("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    }

    /** Scratch memory of one thread: the captured call state and a small buffer for outputs. */
    private static final class Scratch {
        final MemorySegment callState;
        final MemorySegment buffer;

        Scratch() {
            Arena arena = Arena.ofAuto(); // freed with the thread's Scratch once it is unreachable
            callState = arena.allocate(CALL_STATE);
            buffer = arena.allocate(Math.max(RUSAGE_SIZE, RANDOM_CHUNK), 16);
        }

        int errno() {
            return (int) ERRNO.get(callState, 0L);
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    LibcSyscalls(String arch) {
        numbers = LinuxConstants.SyscallNumbers.forArch(arch);
        mmap = link("mmap", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        munmap = link("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        mprotect = link("mprotect", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
        madvise = link("madvise", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
        sysconf = link("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    }

    @SuppressWarnings("restricted") // linking is this class's job; the module is granted native access
    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() ->
                new UnsatisfiedLinkError("the C library has no symbol " + name));
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    @Override
    public long mmap(long address, long length, int protection, int flags) {
        Scratch s = SCRATCH.get();
        try {
            long p = (long) mmap.invokeExact(s.callState, address, length, protection, flags, -1, 0L);
            return p == -1L ? -s.errno() : p; // MAP_FAILED is (void*) -1
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int munmap(long address, long length) {
        Scratch s = SCRATCH.get();
        try {
            return (int) munmap.invokeExact(s.callState, address, length) == 0 ? 0 : s.errno();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int mprotect(long address, long length, int protection) {
        Scratch s = SCRATCH.get();
        try {
            return (int) mprotect.invokeExact(s.callState, address, length, protection) == 0 ? 0 : s.errno();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int madvise(long address, long length, int advice) {
        Scratch s = SCRATCH.get();
        try {
            return (int) madvise.invokeExact(s.callState, address, length, advice) == 0 ? 0 : s.errno();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Pages per mincore call: a 64 KiB vector, 256 MiB of 4 KiB pages. */
    private static final long MINCORE_CHUNK_PAGES = 64 * 1024;

    @Override
    public long residentPages(long address, long length, long pageSize) {
        Scratch s = SCRATCH.get();
        long pages = length / pageSize;
        long resident = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment vec = arena.allocate(Math.min(pages, MINCORE_CHUNK_PAGES) + 8, 8);
            for (long done = 0; done < pages; ) {
                long n = Math.min(pages - done, MINCORE_CHUNK_PAGES);
                int r = (int) Mincore.H.invokeExact(s.callState, address + done * pageSize, n * pageSize, vec.address());
                if (r != 0) {
                    return -s.errno();
                }
                long words = n >>> 3;
                for (long w = 0; w < words; w++) { // bit 0 of each byte: the page is resident
                    resident += Long.bitCount(vec.get(JAVA_LONG, w * 8) & 0x0101010101010101L);
                }
                for (long i = words << 3; i < n; i++) {
                    resident += vec.get(ValueLayout.JAVA_BYTE, i) & 1;
                }
                done += n;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return resident;
    }

    @Override
    public int prctl(int option, long arg2) {
        Scratch s = SCRATCH.get();
        try {
            int r = (int) Prctl.H.invokeExact(s.callState, option, arg2, 0L, 0L, 0L);
            return r < 0 ? -s.errno() : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getrandom(byte[] buffer, int offset, int length) {
        Scratch s = SCRATCH.get();
        int n = Math.min(length, RANDOM_CHUNK);
        try {
            long r = (long) GetRandom.H.invokeExact(s.callState, s.buffer.address(), (long) n, 0);
            if (r < 0) {
                return -s.errno();
            }
            MemorySegment.copy(s.buffer, ValueLayout.JAVA_BYTE, 0, buffer, offset, (int) r);
            return (int) r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public ResourceUsage getrusage() {
        Scratch s = SCRATCH.get();
        try {
            if ((int) GetRusage.H.invokeExact(s.callState, LinuxConstants.RUSAGE_SELF, s.buffer.address()) != 0) {
                return null;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
        MemorySegment b = s.buffer;
        long userMicros = b.get(JAVA_LONG, 0) * 1_000_000 + b.get(JAVA_LONG, 8);
        long systemMicros = b.get(JAVA_LONG, 16) * 1_000_000 + b.get(JAVA_LONG, 24);
        return new ResourceUsage(userMicros, systemMicros, b.get(JAVA_LONG, RUSAGE_MAXRSS), b.get(JAVA_LONG, RUSAGE_MAJFLT));
    }

    @Override
    public long sysconf(int name) {
        Scratch s = SCRATCH.get();
        try {
            return (long) sysconf.invokeExact(s.callState, name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long pthreadSelf() {
        try {
            return (long) PthreadSelf.H.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getcpuNode() {
        Scratch s = SCRATCH.get();
        MemorySegment b = s.buffer;
        long cpu = b.address();
        long node = cpu + 8;
        try {
            long r = GetCpu.GLIBC != null
                    ? (int) GetCpu.GLIBC.invokeExact(s.callState, cpu, node)
                    : (long) GetCpu.SYSCALL3.invokeExact(s.callState, numbers.getcpu(), cpu, node, 0L);
            return r != 0 ? -s.errno() : b.get(JAVA_INT, 8);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int mbind(long address, long length, int mode, long nodeMask, int flags) {
        Scratch s = SCRATCH.get();
        s.buffer.set(JAVA_LONG, 0, nodeMask);
        try {
            long r = (long) Syscall6.H.invokeExact(s.callState, numbers.mbind(), address, length, (long) mode,
                    s.buffer.address(), (long) Long.SIZE + 1, (long) flags); // the kernel reads maxnode - 1 bits
            return r == 0 ? 0 : s.errno();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public String readFile(String path) {
        try {
            return Files.readString(Path.of(path), StandardCharsets.ISO_8859_1);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    @Override
    public List<String> listDirectory(String path) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of(path))) {
            for (Path p : entries) {
                names.add(p.getFileName().toString());
            }
        } catch (IOException | SecurityException e) {
            return List.of();
        }
        return names;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("unexpected exception from a downcall", t);
    }
}
