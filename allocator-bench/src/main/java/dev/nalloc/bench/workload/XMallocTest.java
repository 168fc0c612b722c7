package dev.nalloc.bench.workload;

import dev.nalloc.bench.memory.BlockStamp;
import dev.nalloc.bench.memory.NativeMemory;
import dev.nalloc.bench.peer.AllocatorUnderTest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Port of Lever and Boreham's xmalloc-test as run by mimalloc-bench ({@code -w P -t 5 -s 64}):
 * producer threads allocate batches of 4096 objects (the batch itself is allocated too) and queue
 * them (at most 100 queued); as many consumer threads free them. Every block is freed by a thread
 * that did not allocate it. Producers stop at the deadline (after at least one batch each);
 * consumers free what was queued until then. Measured: frees per second over the whole run.
 */
public final class XMallocTest implements Workload {

    private static final int OBJECTS_PER_BATCH = 4096;
    private static final int QUEUE_LIMIT = 100;

    @Override
    public String name() {
        return "xmalloc-test";
    }

    @Override
    public String description() {
        return "producers allocate 64 B objects in batches, consumers on other threads free them";
    }

    @Override
    public boolean freesAcrossThreads() {
        return true;
    }

    @Override
    public WorkloadResult run(AllocatorUnderTest peer, WorkloadSettings s) {
        int workers = s.threads();
        int objectSize = s.fixedInt("size", 64);
        long runNanos = s.scaledNanos("seconds", 1.0);
        BlockingQueue<Long> batches = new ArrayBlockingQueue<>(QUEUE_LIMIT);
        AtomicLong frees = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        long deadline = start + runNanos;
        AtomicInteger producing = new AtomicInteger(workers);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            threads.add(Workers.start(peer, "xmalloc-free-" + w, failure,
                    i -> release(peer, batches, objectSize, producing, failure, frees), w));
            threads.add(Workers.start(peer, "xmalloc-alloc-" + w, failure, i -> {
                try {
                    produce(peer, batches, objectSize, i, deadline, failure);
                } finally {
                    producing.decrementAndGet();
                }
            }, w));
        }
        Workers.joinAll(threads);
        long elapsed = System.nanoTime() - start;
        for (Long batch; (batch = batches.poll()) != null; ) {
            freeBatch(peer, batch, objectSize);
        }
        Workers.rethrow(failure.get());
        return new WorkloadResult(frees.get(), elapsed,
                String.format("%.2f M frees/s", frees.get() / (elapsed / 1e9) / 1e6));
    }

    private static void produce(AllocatorUnderTest peer, BlockingQueue<Long> batches, int objectSize, int id,
                                long deadline, AtomicReference<Throwable> failure) {
        long serial = (long) id << 40;
        // At least one batch, even when the thread starts after the deadline (a loaded machine):
        // a short run then still frees something on other threads.
        do {
            long batch = Workers.check(peer.malloc(8L * OBJECTS_PER_BATCH + 8), peer, 8L * OBJECTS_PER_BATCH + 8);
            NativeMemory.putLong(batch, ++serial);
            for (int i = 0; i < OBJECTS_PER_BATCH; i++) {
                long object = Workers.check(peer.malloc(objectSize), peer, objectSize);
                NativeMemory.fill(object, Math.min(objectSize, 128), (byte) i);
                BlockStamp.stamp(object, objectSize, serial * OBJECTS_PER_BATCH + i);
                NativeMemory.putLong(batch + 8 + 8L * i, object);
            }
            if (!offer(batches, batch, deadline, failure)) {
                freeBatch(peer, batch, objectSize);
                return;
            }
        } while (System.nanoTime() < deadline && failure.get() == null);
    }

    private static boolean offer(BlockingQueue<Long> batches, long batch, long deadline,
                                 AtomicReference<Throwable> failure) {
        try {
            while (!batches.offer(batch, 5, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() >= deadline || failure.get() != null) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Frees queued batches until the producers are done and the queue is empty (every batch queued is freed here). */
    private static void release(AllocatorUnderTest peer, BlockingQueue<Long> batches, int objectSize,
                                AtomicInteger producing, AtomicReference<Throwable> failure, AtomicLong frees) {
        try {
            while (failure.get() == null) {
                boolean last = producing.get() == 0; // read before the poll: a batch queued earlier is seen
                Long batch = batches.poll(5, TimeUnit.MILLISECONDS);
                if (batch != null) {
                    freeBatch(peer, batch, objectSize);
                    frees.addAndGet(OBJECTS_PER_BATCH);
                } else if (last) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void freeBatch(AllocatorUnderTest peer, long batch, int objectSize) {
        long serial = NativeMemory.getLong(batch);
        for (int i = 0; i < OBJECTS_PER_BATCH; i++) {
            long object = NativeMemory.getLong(batch + 8 + 8L * i);
            BlockStamp.verify(object, objectSize, serial * OBJECTS_PER_BATCH + i);
            peer.free(object);
        }
        peer.free(batch);
    }
}
