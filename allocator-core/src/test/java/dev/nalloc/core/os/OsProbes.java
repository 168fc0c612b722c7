package dev.nalloc.core.os;

import dev.nalloc.core.error.Reporter;
import dev.nalloc.spi.OsPrimitives;

/**
 * Tests outside the os package reach its engine-only members here: they are package-private
 * because only tests use them.
 */
public final class OsProbes {

    private OsProbes() {
    }

    /** {@code new OsMemory(os, reporter)}: no retry on out-of-memory. */
    public static OsMemory newOsMemory(OsPrimitives os, Reporter reporter) {
        return new OsMemory(os, reporter);
    }

    /** {@link OsMemory#freeRetiredWhenUnreachable(Object)}. */
    public static void freeRetiredWhenUnreachable(OsMemory memory, Object instance) {
        memory.freeRetiredWhenUnreachable(instance);
    }

    /** {@link OsMemory#reserved}. */
    public static long reserved(OsMemory memory) {
        return memory.reserved();
    }

    /** {@link OsMemory#committed}. */
    public static long committed(OsMemory memory) {
        return memory.committed();
    }
}
