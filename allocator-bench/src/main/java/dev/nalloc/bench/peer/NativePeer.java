package dev.nalloc.bench.peer;

import java.lang.foreign.Arena;
import java.util.OptionalLong;

/**
 * A native allocator bound through FFM downcalls: everything but the binding itself, which a
 * subclass gives as {@link NativeFns} in a static final (returned by {@link #fns()}) so the JIT
 * sees constant handles and inlines the downcalls; handles in instance fields would not be
 * constants. Every benchmark JVM runs one peer (JMH forks per peer, the runner starts a child per
 * peer), so {@code fns()} stays monomorphic and inlines too.
 */
abstract class NativePeer implements AllocatorUnderTest {

    private final String name;

    NativePeer(String name) {
        this.name = name;
    }

    /** Opens a peer's shared library first, so a missing one is a skip line, not a class-init error. */
    static void requireLibrary(String soname, String peer) {
        Downcalls.library(soname, Peers.installHint(peer));
    }

    /** The subclass's downcall handles, from a static final. */
    abstract NativeFns fns();

    /** The library's own count of bytes committed from the OS, queried with scratch memory from {@code arena}. */
    abstract OptionalLong committedBytes(Arena arena) throws Throwable;

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final long malloc(long size) {
        try {
            return (long) fns().malloc().invokeExact(size);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public final void free(long address) {
        try {
            fns().free().invokeExact(address);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public final void freeSized(long address, long size) {
        try {
            fns().freeSized().invokeExact(address, size);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public final long realloc(long address, long newSize) {
        try {
            return (long) fns().realloc().invokeExact(address, newSize);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public final long calloc(long count, long size) {
        try {
            return (long) fns().calloc().invokeExact(count, size);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public final boolean supportsAligned() {
        return true;
    }

    @Override
    public final long mallocAligned(long size, long alignment) {
        try {
            return (long) fns().aligned().invokeExact(size, alignment);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public final long usableSize(long address) {
        try {
            return (long) fns().usableSize().invokeExact(address);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    @Override
    public final OptionalLong committedBytes() {
        try (Arena arena = Arena.ofConfined()) {
            return committedBytes(arena);
        } catch (Throwable t) {
            return OptionalLong.empty();
        }
    }
}
