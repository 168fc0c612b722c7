package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.core.heap.HeapProbes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Producer/consumer as in xmalloc-test: producers (threads with heaps of their own) allocate
 * batches of blocks with checkable contents and hand them to consumers that only free, several at
 * once, so their remote frees are counted in the shared (striped) counters. Checked: every block
 * arrives intact, the consumers never get thread data, the live counts are exact whenever the
 * threads are quiescent (mid-run and at the end), and everything is given back after a collect.
 */
class FreeOnlyThreadsTest {

    private static final int PRODUCERS = 2;
    private static final int CONSUMERS = 3;
    private static final int BATCHES = 40;
    private static final int BATCH = 500;

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"FAST", "CHECKED", "SECURE"})
    void freeOnlyThreadsFreeExactlyAndGetNoThreadData(Mode mode) throws Exception {
        ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
        try (Allocator a = TestAllocators.builder().mode(mode).errorHandler(errors).build()) {
            Engine e = ((AbstractAllocator) a).engine();
            BlockingQueue<long[]> queue = new ArrayBlockingQueue<>(8);
            AtomicLong freed = new AtomicLong();
            // Producers stop at the barrier halfway (consumers idle on an empty queue): counts checked there.
            CyclicBarrier halfway = new CyclicBarrier(PRODUCERS + 1);
            CyclicBarrier resume = new CyclicBarrier(PRODUCERS + 1);
            TestThreads.Running[] producers = TestThreads.startAll(Thread.ofPlatform().name("producer-", 0), PRODUCERS, seed -> {
                SplittableRandom r = new SplittableRandom(seed);
                for (int b = 0; b < BATCHES; b++) {
                    if (b == BATCHES / 2) {
                        halfway.await();
                        resume.await();
                    }
                    long[] batch = new long[BATCH];
                    for (int i = 0; i < BATCH; i++) {
                        long size = 8 + r.nextInt(r.nextInt(16) == 0 ? 4000 : 120);
                        long block = a.malloc(size);
                        stamp(block, size);
                        batch[i] = block;
                    }
                    queue.put(batch);
                }
            });
            TestThreads.Running[] consumers = TestThreads.startAll(Thread.ofPlatform().name("consumer-", 0), CONSUMERS, c -> {
                for (long[] batch; (batch = queue.take()).length != 0; ) {
                    for (long block : batch) {
                        check(block);
                        a.free(block);
                    }
                    freed.addAndGet(batch.length);
                }
            });
            halfway.await();
            long handedOver = (long) PRODUCERS * (BATCHES / 2) * BATCH;
            while (freed.get() < handedOver && !TestThreads.anyFailed(consumers)) { // the consumers free what was queued
                Thread.sleep(1);
            }
            assertEquals(0, a.stats().allocationCount(), "every block handed to the consumers was freed by the halfway point");
            assertEquals(0, a.stats().allocated());
            resume.await();
            try {
                TestThreads.joinAll(producers);
            } finally {
                for (int c = 0; c < CONSUMERS; c++) {
                    queue.put(new long[0]);
                }
            }
            TestThreads.joinAll(consumers);
            assertTrue(errors.reports().isEmpty(), errors.reports().toString());
            assertEquals(0, a.stats().allocationCount());
            assertEquals(0, a.stats().allocated());
            assertEquals(PRODUCERS, HeapProbes.retired(e.registry) + HeapProbes.registered(e.registry),
                    "only the producers ever had thread data, never the free-only consumers");
            a.collect(true);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    /**
     * Thousands of short-lived free-only threads, one after another, each freeing a batch another
     * thread allocated: every such thread counts its frees in a stripe it takes over from an ended
     * one ({@code stats.UnownedFrees}), and the counts stay exact after each of them.
     */
    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"FAST", "CHECKED", "SECURE"})
    void shortLivedFreeOnlyThreadsKeepTheCountsExact(Mode mode) throws Exception {
        ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
        try (Allocator a = TestAllocators.builder().mode(mode).errorHandler(errors).build()) {
            Engine e = ((AbstractAllocator) a).engine();
            SplittableRandom r = new SplittableRandom(15);
            for (int round = 0; round < 1_500; round++) {
                long[] batch = new long[20];
                for (int i = 0; i < batch.length; i++) {
                    long size = 8 + r.nextInt(r.nextInt(16) == 0 ? 4000 : 120);
                    batch[i] = a.malloc(size);
                    stamp(batch[i], size);
                }
                assertEquals(batch.length, a.stats().allocationCount());
                TestThreads.joinAll(TestThreads.startAll(Thread.ofPlatform().name("free-only-", round), 1, c -> {
                    for (long block : batch) {
                        check(block);
                        a.free(block);
                    }
                }));
                assertEquals(0, a.stats().allocationCount(), "round " + round);
                assertEquals(0, a.stats().allocated(), "round " + round);
            }
            assertTrue(errors.reports().isEmpty(), errors.reports().toString());
            assertEquals(1, HeapProbes.retired(e.registry) + HeapProbes.registered(e.registry),
                    "only the allocating thread ever had thread data");
        }
    }

    /**
     * The free-only path's routes beside the usual push into a live producer's page: huge blocks of
     * another thread (the segment goes back on the free), and blocks of a thread that ended (its
     * segments abandoned: with reclaim on free the freeing platform thread takes them over and frees
     * locally; without it, the blocks are pushed like any other). Contents checked; the counts are
     * exact after each free-only thread and nothing is reported.
     */
    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"FAST", "CHECKED", "SECURE"})
    void freeOnlyThreadsFreeHugeAndAbandonedBlocks(Mode mode) throws Exception {
        for (boolean reclaim : new boolean[] {true, false}) {
            ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
            try (Allocator a = TestAllocators.builder().mode(mode).errorHandler(errors)
                    .option(dev.nalloc.api.Option.ABANDONED_RECLAIM_ON_FREE, reclaim ? 1 : 0).build()) {
                SplittableRandom r = new SplittableRandom(21);
                long[] blocks = new long[300];
                long huge = dev.nalloc.core.memory.Layout.LARGE_OBJ_SIZE_MAX + 4096;
                TestThreads.runOnNewThread(() -> { // allocates and ends: its segments are abandoned
                    for (int i = 0; i < 150; i++) {
                        long size = i % 50 == 0 ? huge : 8 + r.nextInt(r.nextInt(16) == 0 ? 4000 : 120);
                        blocks[i] = a.malloc(size);
                        stamp(blocks[i], size);
                    }
                });
                for (int i = 150; i < blocks.length; i++) { // this thread's: it stays alive
                    long size = i % 50 == 0 ? huge : 8 + r.nextInt(r.nextInt(16) == 0 ? 4000 : 120);
                    blocks[i] = a.malloc(size);
                    stamp(blocks[i], size);
                }
                assertEquals(blocks.length, a.stats().allocationCount(), "reclaim " + reclaim);
                TestThreads.runOnNewThread(() -> {
                    for (int i = 0; i < blocks.length; i += 2) {
                        check(blocks[i]);
                        a.free(blocks[i]);
                    }
                });
                assertEquals(blocks.length / 2, a.stats().allocationCount(), "reclaim " + reclaim);
                TestThreads.runOnNewThread(() -> {
                    for (int i = 1; i < blocks.length; i += 2) {
                        check(blocks[i]);
                        a.free(blocks[i]);
                    }
                });
                assertTrue(errors.reports().isEmpty(), errors.reports().toString());
                assertEquals(0, a.stats().allocationCount(), "reclaim " + reclaim);
                assertEquals(0, a.stats().allocated(), "reclaim " + reclaim);
                a.collect(true);
                assertEquals(0, a.stats().allocationCount());
            }
        }
    }

    /** Size in word 0, a pattern of address and size in the next words (up to 64 bytes). */
    private static void stamp(long block, long size) {
        Mem.store(block, size);
        for (long off = 8; off + 8 <= Math.min(size, 64); off += 8) {
            Mem.store(block + off, block * 31 + off ^ size);
        }
    }

    private static void check(long block) {
        long size = Mem.load(block);
        for (long off = 8; off + 8 <= Math.min(size, 64); off += 8) {
            if (Mem.load(block + off) != (block * 31 + off ^ size)) {
                throw new AssertionError("block 0x" + Long.toHexString(block) + " was overwritten at +" + off);
            }
        }
    }
}
