package dev.nalloc.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The views {@link dev.nalloc.api.Allocator#asSegment} hands out: slices of one all-memory segment
 * made once per instance, so the caller's module needs no native access (the restricted
 * {@code reinterpret} is this module's). A built instance's views live in a shared arena of its own
 * that {@link #close()} closes before the memory goes back to the OS, so a view used after the
 * instance closed throws {@link IllegalStateException} instead of touching unmapped memory; the
 * global instance never closes, and its views have the global scope.
 */
final class SegmentViews {

    /** The instance's scope, or null for the global instance. */
    private final Arena arena;
    /** All of memory, in that scope. */
    private final MemorySegment all;

    SegmentViews(boolean global) {
        this.arena = global ? null : Arena.ofShared();
        this.all = global ? allMemory() : allMemory(arena);
    }

    /** {@code size} bytes at {@code address} in the instance's scope. */
    MemorySegment view(long address, long size) {
        return all.asSlice(address, size);
    }

    /** {@code size} bytes at {@code address} in the scope of the caller's arena. */
    @SuppressWarnings("restricted") // this module runs with native access (see module-info)
    static MemorySegment view(long address, long size, Arena scope) {
        return MemorySegment.ofAddress(address).reinterpret(size, scope, null);
    }

    /**
     * Ends every view of the instance. Throws {@link IllegalStateException} (and ends nothing) while
     * a view is held by a native call in progress; the caller keeps its memory then.
     */
    synchronized void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }

    @SuppressWarnings("restricted")
    private static MemorySegment allMemory() {
        return MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    }

    @SuppressWarnings("restricted")
    private static MemorySegment allMemory(Arena scope) {
        return MemorySegment.NULL.reinterpret(Long.MAX_VALUE, scope, null);
    }
}
