package dev.nalloc.bench.peer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.OptionalLong;

import static dev.nalloc.bench.peer.Downcalls.POINTER;
import static dev.nalloc.bench.peer.Downcalls.SIZE_T;
import static dev.nalloc.bench.peer.Downcalls.fn;
import static dev.nalloc.bench.peer.Downcalls.voidFn;

/** gperftools tcmalloc ({@code libtcmalloc_minimal.so.4}) through FFM downcalls to {@code tc_*}. */
public final class TcmallocPeer extends NativePeer {

    static final String SONAME = "libtcmalloc_minimal.so.4";

    private static final class Fns {
        static final SymbolLookup LIB = Downcalls.library(SONAME, Peers.installHint("tcmalloc"));
        static final NativeFns FNS = new NativeFns(
                Downcalls.critical(LIB, "tc_malloc", fn(POINTER, SIZE_T)),
                Downcalls.critical(LIB, "tc_free", voidFn(POINTER)),
                Downcalls.critical(LIB, "tc_free_sized", voidFn(POINTER, SIZE_T)),
                Downcalls.critical(LIB, "tc_realloc", fn(POINTER, POINTER, SIZE_T)),
                Downcalls.plain(LIB, "tc_calloc", fn(POINTER, SIZE_T, SIZE_T)),
                NativeFns.alignmentFirst(Downcalls.plain(LIB, "tc_memalign", fn(POINTER, SIZE_T, SIZE_T))),
                Downcalls.critical(LIB, "tc_malloc_size", fn(SIZE_T, POINTER)));
        static final MethodHandle PROPERTY = Downcalls.plain(LIB, "MallocExtension_GetNumericProperty",
                fn(ValueLayout.JAVA_INT, POINTER, POINTER));
    }

    TcmallocPeer() {
        super("tcmalloc");
        requireLibrary(SONAME, "tcmalloc");
        NativeFns ignored = Fns.FNS;
    }

    @Override
    NativeFns fns() {
        return Fns.FNS;
    }

    /** Heap size minus the bytes tcmalloc has already returned (unmapped) to the OS. */
    @Override
    OptionalLong committedBytes(Arena arena) throws Throwable {
        long heap = property(arena, "generic.heap_size");
        long unmapped = property(arena, "tcmalloc.pageheap_unmapped_bytes");
        return heap < 0 || unmapped < 0 ? OptionalLong.empty() : OptionalLong.of(heap - unmapped);
    }

    private static long property(Arena arena, String name) throws Throwable {
        MemorySegment key = arena.allocateFrom(name);
        MemorySegment value = arena.allocate(SIZE_T);
        int ok = (int) Fns.PROPERTY.invokeExact(key.address(), value.address());
        return ok != 0 ? value.get(SIZE_T, 0) : -1;
    }
}
