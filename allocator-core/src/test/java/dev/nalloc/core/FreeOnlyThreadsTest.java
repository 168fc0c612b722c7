package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

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
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong freed = new AtomicLong();
            // Producers stop at the barrier halfway (consumers idle on an empty queue): counts checked there.
            CyclicBarrier halfway = new CyclicBarrier(PRODUCERS + 1);
            CyclicBarrier resume = new CyclicBarrier(PRODUCERS + 1);
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int seed = p;
                producers.add(Thread.ofPlatform().name("producer-" + p).start(() -> {
                    try {
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
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            List<Thread> consumers = new ArrayList<>();
            for (int c = 0; c < CONSUMERS; c++) {
                consumers.add(Thread.ofPlatform().name("consumer-" + c).start(() -> {
                    try {
                        for (long[] batch; (batch = queue.take()).length != 0; ) {
                            for (long block : batch) {
                                check(block);
                                a.free(block);
                            }
                            freed.addAndGet(batch.length);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            halfway.await();
            long handedOver = (long) PRODUCERS * (BATCHES / 2) * BATCH;
            while (freed.get() < handedOver && failure.get() == null) { // the consumers free what was queued
                Thread.sleep(1);
            }
            assertEquals(0, a.stats().allocationCount(), "every block handed to the consumers was freed by the halfway point");
            assertEquals(0, a.stats().allocated());
            resume.await();
            for (Thread t : producers) {
                t.join();
            }
            for (int c = 0; c < CONSUMERS; c++) {
                queue.put(new long[0]);
            }
            for (Thread t : consumers) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertTrue(errors.reports().isEmpty(), errors.reports().toString());
            assertEquals(0, a.stats().allocationCount());
            assertEquals(0, a.stats().allocated());
            assertEquals(PRODUCERS, e.registry.retired() + e.registry.size(),
                    "only the producers ever had thread data, never the free-only consumers");
            a.collect(true);
            assertEquals(0, a.stats().allocationCount());
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
