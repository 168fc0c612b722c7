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
public final class TcmallocPeer implements AllocatorUnderTest {

    static final String SONAME = "libtcmalloc_minimal.so.4";

    private static final class Fns {
        static final SymbolLookup LIB = Downcalls.library(SONAME, Peers.installHint("tcmalloc"));
        static final MethodHandle MALLOC = Downcalls.critical(LIB, "tc_malloc", fn(POINTER, SIZE_T));
        static final MethodHandle FREE = Downcalls.critical(LIB, "tc_free", voidFn(POINTER));
        static final MethodHandle FREE_SIZED = Downcalls.critical(LIB, "tc_free_sized", voidFn(POINTER, SIZE_T));
        static final MethodHandle REALLOC = Downcalls.critical(LIB, "tc_realloc", fn(POINTER, POINTER, SIZE_T));
        static final MethodHandle CALLOC = Downcalls.plain(LIB, "tc_calloc", fn(POINTER, SIZE_T, SIZE_T));
        static final MethodHandle USABLE = Downcalls.critical(LIB, "tc_malloc_size", fn(SIZE_T, POINTER));
        static final MethodHandle ALIGNED = Downcalls.plain(LIB, "tc_memalign", fn(POINTER, SIZE_T, SIZE_T));
        static final MethodHandle PROPERTY = Downcalls.plain(LIB, "MallocExtension_GetNumericProperty",
                fn(ValueLayout.JAVA_INT, POINTER, POINTER));
    }

    TcmallocPeer() {
        // look the library up before the handles' class initializes, so a missing one is a skip line
        Downcalls.library(SONAME, Peers.installHint("tcmalloc"));
        MethodHandle ignored = Fns.MALLOC;
    }

    @Override
    public String name() {
        return "tcmalloc";
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
            Fns.FREE_SIZED.invokeExact(address, size);
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
            return (long) Fns.ALIGNED.invokeExact(alignment, size);
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

    /** Heap size minus the bytes tcmalloc has already returned (unmapped) to the OS. */
    @Override
    public OptionalLong committedBytes() {
        try (Arena arena = Arena.ofConfined()) {
            long heap = property(arena, "generic.heap_size");
            long unmapped = property(arena, "tcmalloc.pageheap_unmapped_bytes");
            return heap < 0 || unmapped < 0 ? OptionalLong.empty() : OptionalLong.of(heap - unmapped);
        } catch (Throwable t) {
            return OptionalLong.empty();
        }
    }

    private static long property(Arena arena, String name) throws Throwable {
        MemorySegment key = arena.allocateFrom(name);
        MemorySegment value = arena.allocate(SIZE_T);
        int ok = (int) Fns.PROPERTY.invokeExact(key.address(), value.address());
        return ok != 0 ? value.get(SIZE_T, 0) : -1;
    }
}
