package dev.nalloc.bench.peer;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * A native allocator's entry points as downcall handles, adapted to the peer interface's argument
 * order: {@code malloc(size)}, {@code free(ptr)}, {@code freeSized(ptr, size)},
 * {@code realloc(ptr, size)}, {@code calloc(count, size)}, {@code aligned(size, alignment)},
 * {@code usableSize(ptr)}. A peer keeps one in a static final: a record's fields are trusted as
 * constants by the JIT, so a handle read from it still inlines like the static final handle of a
 * hand-written binding.
 */
record NativeFns(MethodHandle malloc, MethodHandle free, MethodHandle freeSized, MethodHandle realloc,
                 MethodHandle calloc, MethodHandle aligned, MethodHandle usableSize) {

    private static final MethodType SIZE_ALIGNMENT = MethodType.methodType(long.class, long.class, long.class);

    /** For C's {@code aligned_alloc(alignment, size)} and the like: swaps the two arguments. */
    static MethodHandle alignmentFirst(MethodHandle aligned) {
        return MethodHandles.permuteArguments(aligned, SIZE_ALIGNMENT, 1, 0);
    }

    /** For a library without a sized free: {@code free(ptr)} ignoring the size. */
    static MethodHandle ignoringSize(MethodHandle free) {
        return MethodHandles.dropArguments(free, 1, long.class);
    }
}
