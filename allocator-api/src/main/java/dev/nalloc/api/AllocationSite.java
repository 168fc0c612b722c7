package dev.nalloc.api;

import java.util.List;
import java.util.Objects;

/**
 * Live blocks that leak detection recorded with the same allocating stack.
 *
 * @param stack     the allocating stack, innermost frame first, starting at the caller of the
 *                  allocator (at most {@code leak_stack_depth} frames)
 * @param blocks    live recorded blocks allocated there
 * @param bytes     the bytes those blocks were requested with
 * @param addresses the addresses of a few of those blocks, lowest first
 */
public record AllocationSite(List<StackTraceElement> stack, long blocks, long bytes, List<Long> addresses) {

    /**
     * Copies the lists (immutable).
     *
     * @throws NullPointerException when a list is null
     */
    public AllocationSite {
        stack = List.copyOf(Objects.requireNonNull(stack, "stack"));
        addresses = List.copyOf(Objects.requireNonNull(addresses, "addresses"));
    }

    /** {@return the innermost frame (the code that called the allocator), or null for an empty stack} */
    public StackTraceElement top() {
        return stack.isEmpty() ? null : stack.get(0);
    }
}
