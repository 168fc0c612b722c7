package dev.nalloc.bench.peer;

import dev.nalloc.bench.memory.NativeMemory;

import java.util.OptionalLong;

/**
 * One allocator in the comparison, reduced to what the workloads and benchmarks need.
 * Addresses are raw native addresses; 0 means NULL.
 */
public interface AllocatorUnderTest extends AutoCloseable {

    /** The short name used in tables, charts and command-line selections (e.g. {@code mimalloc}). */
    String name();

    long malloc(long size);

    void free(long address);

    /** Frees a block whose size the caller knows (sized delete); peers without one just free. */
    default void freeSized(long address, long size) {
        free(address);
    }

    long realloc(long address, long newSize);

    /** Zero-filled {@code count * size} bytes. */
    default long calloc(long count, long size) {
        long bytes = Math.multiplyExact(count, size);
        long address = malloc(bytes);
        if (address != 0) {
            NativeMemory.fill(address, bytes, (byte) 0);
        }
        return address;
    }

    /** Whether {@link #mallocAligned} is supported. */
    default boolean supportsAligned() {
        return false;
    }

    /** {@code size} bytes aligned to {@code alignment} (a power of two). */
    default long mallocAligned(long size, long alignment) {
        throw new UnsupportedOperationException(name() + " has no aligned allocation");
    }

    /** The usable size of a block, or -1 when the allocator cannot say. */
    long usableSize(long address);

    /** Whether a block may be freed by a thread other than the one that allocated it. */
    default boolean freesFromAnyThread() {
        return true;
    }

    /** Bytes committed from the OS, when the allocator can say. */
    default OptionalLong committedBytes() {
        return OptionalLong.empty();
    }

    /** The calling thread will allocate no more (lets thread-caching allocators hand memory back). */
    default void threadDone() {
    }

    /** Releases whatever the peer holds itself (instances it built); blocks must already be freed. */
    @Override
    default void close() {
    }
}
