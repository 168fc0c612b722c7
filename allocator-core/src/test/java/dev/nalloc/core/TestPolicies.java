package dev.nalloc.core;

import dev.nalloc.spi.HeapSelectionPolicy;

import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/** Heap-selection policies for tests: who owns a heap, how many shared heaps, where a thread starts. */
public final class TestPolicies {

    private TestPolicies() {
    }

    /**
     * @param owns  the threads that own heaps
     * @param count the shared heaps at first
     * @param max   the most shared heaps
     * @param start where a thread starts looking among the shared heaps
     * @return the policy
     */
    public static HeapSelectionPolicy of(Predicate<Thread> owns, int count, int max, ToIntFunction<Thread> start) {
        return new HeapSelectionPolicy() {
            @Override
            public boolean ownsHeap(Thread thread) {
                return owns.test(thread);
            }

            @Override
            public int sharedHeapCount() {
                return count;
            }

            @Override
            public int maxSharedHeapCount() {
                return max;
            }

            @Override
            public int sharedHeapIndex(Thread thread) {
                return start.applyAsInt(thread);
            }
        };
    }

    /** Nobody owns a heap; {@code count} shared heaps, at most {@code max}; every thread starts at the first. */
    public static HeapSelectionPolicy sharedOnly(int count, int max) {
        return of(t -> false, count, max, t -> 0);
    }
}
