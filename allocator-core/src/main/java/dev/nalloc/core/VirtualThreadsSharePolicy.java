package dev.nalloc.core;

import dev.nalloc.spi.HeapSelectionPolicy;

/**
 * The default {@link HeapSelectionPolicy}: platform threads get heaps of their own; virtual threads
 * share {@code 2 × processors} heaps (at least 4, at most 256), each starting at a heap chosen by
 * a hash of its thread id so that a thread tends to come back to the same heap.
 */
final class VirtualThreadsSharePolicy implements HeapSelectionPolicy {

    private final int count;

    VirtualThreadsSharePolicy(int processors) {
        this.count = Math.max(4, Math.min(256, 2 * processors));
    }

    @Override
    public boolean ownsHeap(Thread thread) {
        return !thread.isVirtual();
    }

    @Override
    public int sharedHeapCount() {
        return count;
    }

    @Override
    public int sharedHeapIndex(Thread thread) {
        long h = thread.threadId() * 0x9E3779B97F4A7C15L;
        return (int) ((h >>> 32) % count);
    }
}
