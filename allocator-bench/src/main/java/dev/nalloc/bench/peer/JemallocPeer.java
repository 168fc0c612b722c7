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

/**
 * jemalloc through FFM downcalls. Debian's {@code libjemalloc.so.2} uses initial-exec TLS and
 * cannot be dlopen'ed into a running JVM, so this peer only works in a JVM started with
 * {@code LD_PRELOAD} of that library: the runner starts such a child for jemalloc rows, and then
 * the already-loaded library can be looked up by name.
 */
public final class JemallocPeer implements AllocatorUnderTest {

    static final String SONAME = "libjemalloc.so.2";

    private static final class Fns {
        static final SymbolLookup LIB = Downcalls.library(SONAME, Peers.installHint("jemalloc"));
        static final MethodHandle MALLOC = Downcalls.critical(LIB, "malloc", fn(POINTER, SIZE_T));
        static final MethodHandle FREE = Downcalls.critical(LIB, "free", voidFn(POINTER));
        static final MethodHandle SDALLOCX = Downcalls.critical(LIB, "sdallocx",
                voidFn(POINTER, SIZE_T, ValueLayout.JAVA_INT));
        static final MethodHandle REALLOC = Downcalls.critical(LIB, "realloc", fn(POINTER, POINTER, SIZE_T));
        static final MethodHandle CALLOC = Downcalls.plain(LIB, "calloc", fn(POINTER, SIZE_T, SIZE_T));
        static final MethodHandle USABLE = Downcalls.critical(LIB, "malloc_usable_size", fn(SIZE_T, POINTER));
        static final MethodHandle ALIGNED = Downcalls.plain(LIB, "aligned_alloc", fn(POINTER, SIZE_T, SIZE_T));
        static final MethodHandle MALLCTL = Downcalls.plain(LIB, "mallctl",
                fn(ValueLayout.JAVA_INT, POINTER, POINTER, POINTER, POINTER, SIZE_T));
    }

    JemallocPeer() {
        if (!preloaded()) {
            throw new PeerUnavailableException("jemalloc: skipped here — it runs only in a JVM started with "
                    + "LD_PRELOAD=" + Downcalls.locate(SONAME).map(Object::toString).orElse(SONAME)
                    + " (the runner starts such child JVMs itself)");
        }
        Downcalls.library(SONAME, Peers.installHint("jemalloc"));
        MethodHandle ignored = Fns.MALLOC;
    }

    /** Whether this JVM was started with jemalloc preloaded. */
    public static boolean preloaded() {
        String preload = System.getenv("LD_PRELOAD");
        return preload != null && preload.contains("libjemalloc");
    }

    @Override
    public String name() {
        return "jemalloc";
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
            Fns.SDALLOCX.invokeExact(address, size, 0);
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

    /** {@code stats.mapped} after refreshing jemalloc's statistics epoch. */
    @Override
    public OptionalLong committedBytes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment epoch = arena.allocate(ValueLayout.JAVA_LONG);
            epoch.set(ValueLayout.JAVA_LONG, 0, 1);
            int rc = (int) Fns.MALLCTL.invokeExact(arena.allocateFrom("epoch").address(), 0L, 0L,
                    epoch.address(), 8L);
            MemorySegment value = arena.allocate(SIZE_T);
            MemorySegment length = arena.allocate(SIZE_T);
            length.set(SIZE_T, 0, 8);
            rc |= (int) Fns.MALLCTL.invokeExact(arena.allocateFrom("stats.mapped").address(), value.address(),
                    length.address(), 0L, 0L);
            return rc == 0 ? OptionalLong.of(value.get(SIZE_T, 0)) : OptionalLong.empty();
        } catch (Throwable t) {
            return OptionalLong.empty();
        }
    }
}
