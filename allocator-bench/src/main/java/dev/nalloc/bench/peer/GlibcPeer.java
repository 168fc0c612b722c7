package dev.nalloc.bench.peer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.OptionalLong;

import static dev.nalloc.bench.peer.Downcalls.POINTER;
import static dev.nalloc.bench.peer.Downcalls.SIZE_T;
import static dev.nalloc.bench.peer.Downcalls.fn;
import static dev.nalloc.bench.peer.Downcalls.voidFn;

/**
 * The C library's {@code malloc} through FFM downcalls. Under {@code LD_PRELOAD} of another
 * allocator the same symbols resolve to that allocator, which is how {@link JemallocPeer} works.
 */
public final class GlibcPeer extends NativePeer {

    /** Handles in static finals so the JIT treats them as constants, as a hand-written binding would. */
    private static final class Fns {
        static final SymbolLookup LIBC = Downcalls.libc();
        static final MethodHandle FREE = Downcalls.critical(LIBC, "free", voidFn(POINTER));
        static final NativeFns FNS = new NativeFns(
                Downcalls.critical(LIBC, "malloc", fn(POINTER, SIZE_T)),
                FREE,
                NativeFns.ignoringSize(FREE),
                Downcalls.critical(LIBC, "realloc", fn(POINTER, POINTER, SIZE_T)),
                Downcalls.plain(LIBC, "calloc", fn(POINTER, SIZE_T, SIZE_T)),
                NativeFns.alignmentFirst(Downcalls.plain(LIBC, "aligned_alloc", fn(POINTER, SIZE_T, SIZE_T))),
                Downcalls.critical(LIBC, "malloc_usable_size", fn(SIZE_T, POINTER)));
        static final StructLayout MALLINFO2 = MemoryLayout.structLayout(
                SIZE_T.withName("arena"), SIZE_T.withName("ordblks"), SIZE_T.withName("smblks"),
                SIZE_T.withName("hblks"), SIZE_T.withName("hblkhd"), SIZE_T.withName("usmblks"),
                SIZE_T.withName("fsmblks"), SIZE_T.withName("uordblks"), SIZE_T.withName("fordblks"),
                SIZE_T.withName("keepcost"));
        static final MethodHandle MALLINFO = Downcalls.plain(LIBC, "mallinfo2", fn(MALLINFO2));
    }

    GlibcPeer() {
        super("glibc");
    }

    @Override
    NativeFns fns() {
        return Fns.FNS;
    }

    /** mallinfo2: heap arenas plus mmapped chunks. */
    @Override
    OptionalLong committedBytes(Arena arena) throws Throwable {
        MemorySegment info = (MemorySegment) Fns.MALLINFO.invokeExact((java.lang.foreign.SegmentAllocator) arena);
        long arenaBytes = info.get(SIZE_T, 0);
        long mmapped = info.get(SIZE_T, 4 * 8);
        return OptionalLong.of(arenaBytes + mmapped);
    }
}
