package dev.nalloc.bench.peer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.OptionalLong;

import static dev.nalloc.bench.peer.Downcalls.POINTER;
import static dev.nalloc.bench.peer.Downcalls.SIZE_T;
import static dev.nalloc.bench.peer.Downcalls.fn;
import static dev.nalloc.bench.peer.Downcalls.voidFn;

/** Native mimalloc ({@code libmimalloc.so.2}) through FFM downcalls to the {@code mi_*} functions. */
public final class MimallocPeer implements AllocatorUnderTest {

    static final String SONAME = "libmimalloc.so.2";

    private static final class Fns {
        static final SymbolLookup LIB = Downcalls.library(SONAME, Peers.installHint("mimalloc"));
        static final MethodHandle MALLOC = Downcalls.critical(LIB, "mi_malloc", fn(POINTER, SIZE_T));
        static final MethodHandle FREE = Downcalls.critical(LIB, "mi_free", voidFn(POINTER));
        static final MethodHandle FREE_SIZE = Downcalls.critical(LIB, "mi_free_size", voidFn(POINTER, SIZE_T));
        static final MethodHandle REALLOC = Downcalls.critical(LIB, "mi_realloc", fn(POINTER, POINTER, SIZE_T));
        static final MethodHandle CALLOC = Downcalls.plain(LIB, "mi_calloc", fn(POINTER, SIZE_T, SIZE_T));
        static final MethodHandle USABLE = Downcalls.critical(LIB, "mi_usable_size", fn(SIZE_T, POINTER));
        static final MethodHandle ALIGNED = Downcalls.plain(LIB, "mi_malloc_aligned", fn(POINTER, SIZE_T, SIZE_T));
        static final MethodHandle PROCESS_INFO = Downcalls.plain(LIB, "mi_process_info",
                voidFn(POINTER, POINTER, POINTER, POINTER, POINTER, POINTER, POINTER, POINTER));
        static final MethodHandle THREAD_DONE = Downcalls.plain(LIB, "mi_thread_done", voidFn());
    }

    MimallocPeer() {
        // look the library up before the handles' class initializes, so a missing one is a skip line
        Downcalls.library(SONAME, Peers.installHint("mimalloc"));
        MethodHandle ignored = Fns.MALLOC;
    }

    @Override
    public String name() {
        return "mimalloc";
    }

    /** {@code mi_malloc} without the peer interface (for benchmarks of the user's call path). */
    public static long directMalloc(long size) {
        try {
            return (long) Fns.MALLOC.invokeExact(size);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code mi_free} without the peer interface. */
    public static void directFree(long address) {
        try {
            Fns.FREE.invokeExact(address);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public long malloc(long size) {
        try {
            return (long) Fns.MALLOC.invokeExact(size);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public void free(long address) {
        try {
            Fns.FREE.invokeExact(address);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public void freeSized(long address, long size) {
        try {
            Fns.FREE_SIZE.invokeExact(address, size);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public long realloc(long address, long newSize) {
        try {
            return (long) Fns.REALLOC.invokeExact(address, newSize);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public long calloc(long count, long size) {
        try {
            return (long) Fns.CALLOC.invokeExact(count, size);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public boolean supportsAligned() {
        return true;
    }

    @Override
    public long mallocAligned(long size, long alignment) {
        try {
            return (long) Fns.ALIGNED.invokeExact(size, alignment);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public long usableSize(long address) {
        try {
            return (long) Fns.USABLE.invokeExact(address);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** mi_process_info's current commit. */
    @Override
    public OptionalLong committedBytes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(SIZE_T, 8);
            long base = out.address();
            Fns.PROCESS_INFO.invokeExact(base, base + 8, base + 16, base + 24, base + 32, base + 40, base + 48, base + 56);
            return OptionalLong.of(out.getAtIndex(SIZE_T, 5));
        } catch (Throwable t) {
            return OptionalLong.empty();
        }
    }

    @Override
    public void threadDone() {
        try {
            Fns.THREAD_DONE.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }
}
