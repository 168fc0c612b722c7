package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.core.stats.StatsSnapshot;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.core.stats.StatsProbes;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * First-class heaps made, used, deleted, destroyed or left open until their thread ends, while a
 * free-only thread frees their blocks concurrently: deletes move pages to the default heap under
 * remote frees (delayed-free states included), thread ends abandon the heaps' pages, and nothing
 * is lost or freed twice. Soak knob: {@code nalloc.heaprace.rounds} (default 40).
 */
class HeapLifecycleRaceTest {

    private static final int ROUNDS = Integer.getInteger("nalloc.heaprace.rounds", 40);
    private static final int OWNERS = 3;

    @Test
    void heapsComeAndGoWhileAnotherThreadFreesTheirBlocks() throws Exception {
        ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
        try (Allocator a = TestAllocators.builder().errorHandler(errors).build()) {
            LinkedBlockingQueue<Long> toFree = new LinkedBlockingQueue<>();
            TestThreads.Running freer = TestThreads.start(Thread.ofPlatform().daemon(true).name("freer"), () -> {
                while (true) {
                    long p = toFree.take();
                    if (p == 0) {
                        return;
                    }
                    if (!TestAllocators.checkSized(p)) {
                        throw new AssertionError("block 0x" + Long.toHexString(p) + " was overwritten");
                    }
                    a.free(p);
                }
            });
            for (int round = 0; round < ROUNDS && freer.failure() == null; round++) {
                int r = round;
                TestThreads.joinAll(Duration.ofSeconds(60), TestThreads.startAll(Thread.ofPlatform().daemon(true).name("owner-" + r + "-", 0),
                        OWNERS, o -> owner(a, new SplittableRandom(r * 31L + o), toFree)));
            }
            toFree.put(0L);
            freer.join(Duration.ofSeconds(60));
            assertTrue(errors.reports().isEmpty(), () -> "engine reported: " + errors.reports());
            assertEquals(0, a.stats().allocationCount(), "every block freed or destroyed with its heap");
            a.collect(true);
            assertEquals(0, StatsProbes.segments((StatsSnapshot) a.stats()));
        }
    }

    private static long alloc(Heap h, SplittableRandom r) {
        long size = 16 + r.nextInt(r.nextInt(10) == 0 ? 70_000 : 600);
        long p = h.malloc(size);
        TestAllocators.fillSized(p, size);
        return p;
    }

    /** One owner thread: a few heaps, each ending a different way, and blocks handed to the freer. */
    private static void owner(Allocator a, SplittableRandom r, LinkedBlockingQueue<Long> toFree) throws Exception {
        Heap main = a.heap();
        for (int k = 0; k < 8; k++) {
            Heap h = a.newHeap();
            long[] mine = new long[60];
            for (int i = 0; i < mine.length; i++) {
                mine[i] = alloc(h, r);
            }
            int way = r.nextInt(4);
            switch (way) {
                case 0 -> { // delete while the freer frees half of the blocks: the rest stay valid
                    for (int i = 0; i < mine.length; i += 2) {
                        toFree.put(mine[i]);
                    }
                    h.close();
                    for (int i = 1; i < mine.length; i += 2) {
                        toFree.put(mine[i]); // freed remotely after the pages moved to the default heap
                    }
                }
                case 1 -> { // destroy: its blocks die with it; blocks of the default heap go to the freer
                    for (int i = 0; i < 20; i++) {
                        toFree.put(alloc(main, r));
                    }
                    h.destroy();
                }
                case 2 -> { // an arena opened and closed while the freer works on other blocks
                    for (int i = 0; i < mine.length; i++) {
                        toFree.put(mine[i]);
                    }
                    try (Arena arena = a.newArena()) {
                        MemorySegment s = arena.allocate(ValueLayout.JAVA_LONG, 100);
                        s.setAtIndex(ValueLayout.JAVA_LONG, 99, 42);
                    }
                    h.close();
                }
                default -> { // left open: the thread's end (threadDone or death) deletes it
                    for (int i = 0; i < mine.length; i++) {
                        toFree.put(mine[i]);
                    }
                }
            }
        }
        for (int i = 0; i < 30; i++) {
            toFree.put(alloc(main, r)); // live in the default heap when the thread ends
        }
        if (r.nextBoolean()) {
            a.threadDone();
        }
    }
}
