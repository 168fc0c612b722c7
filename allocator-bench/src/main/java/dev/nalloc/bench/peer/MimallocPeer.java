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
public final class MimallocPeer extends NativePeer {

    static final String SONAME = "libmimalloc.so.2";

    private static final class Fns {
        static final SymbolLookup LIB = Downcalls.library(SONAME, Peers.installHint("mimalloc"));
        static final MethodHandle MALLOC = Downcalls.critical(LIB, "mi_malloc", fn(POINTER, SIZE_T));
        static final MethodHandle FREE = Downcalls.critical(LIB, "mi_free", voidFn(POINTER));
        static final NativeFns FNS = new NativeFns(MALLOC, FREE,
                Downcalls.critical(LIB, "mi_free_size", voidFn(POINTER, SIZE_T)),
                Downcalls.critical(LIB, "mi_realloc", fn(POINTER, POINTER, SIZE_T)),
                Downcalls.plain(LIB, "mi_calloc", fn(POINTER, SIZE_T, SIZE_T)),
                Downcalls.plain(LIB, "mi_malloc_aligned", fn(POINTER, SIZE_T, SIZE_T)),
                Downcalls.critical(LIB, "mi_usable_size", fn(SIZE_T, POINTER)));
        static final MethodHandle PROCESS_INFO = Downcalls.plain(LIB, "mi_process_info",
                voidFn(POINTER, POINTER, POINTER, POINTER, POINTER, POINTER, POINTER, POINTER));
        static final MethodHandle THREAD_DONE = Downcalls.plain(LIB, "mi_thread_done", voidFn());
    }

    MimallocPeer() {
        super("mimalloc");
        requireLibrary(SONAME, "mimalloc");
        NativeFns ignored = Fns.FNS;
    }

    @Override
    NativeFns fns() {
        return Fns.FNS;
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

    /** mi_process_info's current commit. */
    @Override
    OptionalLong committedBytes(Arena arena) throws Throwable {
        MemorySegment out = arena.allocate(SIZE_T, 8);
        long base = out.address();
        Fns.PROCESS_INFO.invokeExact(base, base + 8, base + 16, base + 24, base + 32, base + 40, base + 48, base + 56);
        return OptionalLong.of(out.getAtIndex(SIZE_T, 5));
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
