package dev.nalloc.bench.peer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
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
public final class JemallocPeer extends NativePeer {

    static final String SONAME = "libjemalloc.so.2";

    private static final class Fns {
        static final SymbolLookup LIB = Downcalls.library(SONAME, Peers.installHint("jemalloc"));
        static final NativeFns FNS = new NativeFns(
                Downcalls.critical(LIB, "malloc", fn(POINTER, SIZE_T)),
                Downcalls.critical(LIB, "free", voidFn(POINTER)),
                // sdallocx(ptr, size, flags) with flags 0
                MethodHandles.insertArguments(Downcalls.critical(LIB, "sdallocx",
                        voidFn(POINTER, SIZE_T, ValueLayout.JAVA_INT)), 2, 0),
                Downcalls.critical(LIB, "realloc", fn(POINTER, POINTER, SIZE_T)),
                Downcalls.plain(LIB, "calloc", fn(POINTER, SIZE_T, SIZE_T)),
                NativeFns.alignmentFirst(Downcalls.plain(LIB, "aligned_alloc", fn(POINTER, SIZE_T, SIZE_T))),
                Downcalls.critical(LIB, "malloc_usable_size", fn(SIZE_T, POINTER)));
        static final MethodHandle MALLCTL = Downcalls.plain(LIB, "mallctl",
                fn(ValueLayout.JAVA_INT, POINTER, POINTER, POINTER, POINTER, SIZE_T));
    }

    JemallocPeer() {
        super("jemalloc");
        if (!preloaded()) {
            throw new PeerUnavailableException("jemalloc: skipped here — it runs only in a JVM started with "
                    + "LD_PRELOAD=" + Downcalls.locate(SONAME).map(Object::toString).orElse(SONAME)
                    + " (the runner starts such child JVMs itself)");
        }
        requireLibrary(SONAME, "jemalloc");
        NativeFns ignored = Fns.FNS;
    }

    @Override
    NativeFns fns() {
        return Fns.FNS;
    }

    /** Whether this JVM was started with jemalloc preloaded. */
    public static boolean preloaded() {
        String preload = System.getenv("LD_PRELOAD");
        return preload != null && preload.contains("libjemalloc");
    }

    /** {@code stats.mapped} after refreshing jemalloc's statistics epoch. */
    @Override
    OptionalLong committedBytes(Arena arena) throws Throwable {
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
    }
}
