package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Mode;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.HeapSelectionPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every mode on virtual threads and on every heap kind (issue 21: CHECKED and SECURE threw
 * {@code NullPointerException} from every call of a virtual thread, and left blocks counted live):
 * thousands of virtual threads, each allocating from the shared heaps (or, with
 * {@code everyThreadOwnsHeap}, its own), its default heap ({@code heap()}), a first-class heap it
 * closes with blocks still live, and an arena; yielding between every step (a virtual thread comes
 * back on another carrier), checking every block's contents, and freeing half of its blocks on other
 * virtual threads. Nothing reported, nothing left live, the counts equal a walk of the heaps.
 * Soak knob: {@code nalloc.vthreads.modes} (virtual threads per run, default 1500).
 */
class VirtualThreadModesTest {

    private static final int THREADS = Integer.getInteger("nalloc.vthreads.modes", 1500);

    private record Block(long address, long size, long seed) {
    }

    @ParameterizedTest
    @CsvSource({"FAST,shared", "FAST,owned", "CHECKED,shared", "CHECKED,owned", "SECURE,shared", "SECURE,owned"})
    void everyHeapKindOnVirtualThreads(Mode mode, String policy) throws Exception {
        Soak.repeat(() -> everyHeapKindOnVirtualThreadsOnce(mode, policy));
    }

    private void everyHeapKindOnVirtualThreadsOnce(Mode mode, String policy) throws Exception {
        ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
        var builder = TestAllocators.builder().mode(mode).errorHandler(errors);
        if (policy.equals("owned")) {
            builder.heapSelectionPolicy(HeapSelectionPolicy.everyThreadOwnsHeap());
        }
        try (Allocator a = builder.build()) {
            ConcurrentLinkedQueue<Block> handedOver = new ConcurrentLinkedQueue<>();
            TestThreads.joinAll(Duration.ofMinutes(10), TestThreads.startAll(Thread.ofVirtual(), THREADS, id -> work(a, id, handedOver)));
            assertTrue(errors.reports().isEmpty(), () -> "reports: " + errors.reports());
            // What is left over was handed over last: freed on a platform thread.
            for (Block b; (b = handedOver.poll()) != null; ) {
                checkAndFree(a, b);
            }
            a.collect(true);
            assertEquals(0, a.stats().allocationCount(), "live blocks");
            assertEquals(0, MisuseBooksTest.walk(a), "blocks the pages count as used");
            assertTrue(errors.reports().isEmpty(), () -> "reports: " + errors.reports());
        }
    }

    private static void work(Allocator a, int id, ConcurrentLinkedQueue<Block> handedOver) {
        SplittableRandom random = new SplittableRandom(id);
        long seed = id * 16L;
        Block shared = block(a.malloc(size(random)), random, seed, a);
        Thread.yield();
        Block own = block(a.heap().malloc(size(random)), random, seed + 1, a);
        Thread.yield();
        Heap heap = a.newHeap();
        Block firstClass = block(heap.malloc(size(random)), random, seed + 2, a);
        Block kept = block(heap.zalloc(size(random)), random, seed + 3, a);
        Thread.yield();
        try (Arena arena = a.newArena()) {
            long n = size(random);
            MemorySegment s = arena.allocate(n, 8);
            for (long k = 0; k < n; k++) {
                s.set(ValueLayout.JAVA_BYTE, k, (byte) (k * 7 + id));
            }
            Thread.yield();
            for (long k = 0; k < n; k++) {
                if (s.get(ValueLayout.JAVA_BYTE, k) != (byte) (k * 7 + id)) {
                    throw new AssertionError("arena block of thread " + id + " overwritten at " + k);
                }
            }
        }
        checkAndFree(a, firstClass);
        heap.close(); // 'kept' lives on in the thread's default heap
        Thread.yield();
        // Half of the blocks are freed here, half on another virtual thread (a remote free).
        checkAndFree(a, shared);
        handedOver.add(own);
        handedOver.add(kept);
        for (int k = 0; k < 2; k++) {
            Block other = handedOver.poll();
            if (other != null) {
                checkAndFree(a, other);
            }
        }
        if (id % 2 == 0) {
            // Half of the threads end with threadDone, half just end: a dead thread's heap is found
            // by a later collect. Either way its remote frees are collected by whoever takes it.
            a.threadDone();
        }
    }

    private static long size(SplittableRandom random) {
        int kind = random.nextInt(10);
        return kind < 7 ? 1 + random.nextInt(1024) : kind < 9 ? 1024 + random.nextInt(60_000) : 70_000 + random.nextInt(500_000);
    }

    private static Block block(long address, SplittableRandom random, long seed, Allocator a) {
        if (address == 0) {
            throw new AssertionError("out of memory");
        }
        long size = Math.min(a.usableSize(address), 4096 + random.nextInt(64));
        TestAllocators.fill(address, size, seed);
        return new Block(address, size, seed);
    }

    private static void checkAndFree(Allocator a, Block b) {
        if (!TestAllocators.check(b.address(), b.size(), b.seed())) {
            throw new AssertionError("block " + Long.toHexString(b.address()) + " overwritten");
        }
        a.free(b.address());
    }
}
