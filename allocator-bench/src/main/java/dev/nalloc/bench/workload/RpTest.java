package dev.nalloc.bench.workload;

import dev.nalloc.bench.memory.BlockStamp;
import dev.nalloc.bench.memory.NativeMemory;
import dev.nalloc.bench.peer.AllocatorUnderTest;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * In the spirit of rpmalloc's benchmark as run by mimalloc-bench ({@code rptest P 0 1 2 500 1000
 * 100 8 16000}): each thread cycles through a ring of 1000 slots, freeing and allocating blocks of
 * random sizes between 8 B and 16000 B (some 16-byte aligned), touching every page of each block;
 * every second loop it also allocates a batch that it hands to the next thread, which frees it.
 * Measured: total time.
 */
public final class RpTest implements Workload {

    private static final int[] FREE_OPS = {62, 35, 100, 51, 72, 81};
    private static final int[] ALLOC_OPS = {75, 42, 100, 58, 86, 97};
    private static final int SIZES = 4096;

    /** A batch of blocks allocated on one thread to be freed on another. */
    private record Foreign(long[] address, long[] size, long[] tag) {
    }

    @Override
    public String name() {
        return "rptest";
    }

    @Override
    public String description() {
        return "ring of 1000 slots, random sizes 8..16000 B, page touching, batches freed by the next thread";
    }

    @Override
    public boolean freesAcrossThreads() {
        return true;
    }

    @Override
    public WorkloadResult run(AllocatorUnderTest peer, WorkloadSettings s) {
        int threads = s.threads();
        int loops = s.scaledInt("loops", 2500);
        int slots = s.fixedInt("slots", 1000);
        int crossRate = s.fixedInt("cross-rate", 2);
        int minSize = s.fixedInt("min", 8);
        int maxSize = s.fixedInt("max", 16000);
        int[] sizes = new int[SIZES];
        Rng init = new Rng(s.seed() + 17);
        for (int i = 0; i < SIZES; i++) {
            // exponential-ish: small sizes far more frequent than large ones
            double x = Math.pow(init.nextDouble(), 3);
            sizes[i] = minSize + (int) (x * (maxSize - minSize));
        }
        @SuppressWarnings("unchecked")
        ConcurrentLinkedQueue<Foreign>[] inbox = new ConcurrentLinkedQueue[threads];
        for (int t = 0; t < threads; t++) {
            inbox[t] = new ConcurrentLinkedQueue<>();
        }
        AtomicInteger finished = new AtomicInteger();
        AtomicLong operations = new AtomicLong();
        long start = System.nanoTime();
        Workers.run(peer, threads, t -> {
            long ops = 0;
            long[] address = new long[slots];
            long[] size = new long[slots];
            long[] tag = new long[slots];
            long nextTag = (long) t << 40;
            int allocIdx = 0;
            int freeIdx = 0;
            int sizeIdx = (t + 1) * 37 % SIZES;
            int cross = t;
            try {
                for (int loop = 0; loop < loops; loop++) {
                    ops += drain(peer, inbox[t]);
                    int freeOps = FREE_OPS[loop % FREE_OPS.length];
                    int allocOps = ALLOC_OPS[loop % ALLOC_OPS.length];
                    for (int i = 0; i < freeOps; i++) {
                        if (address[freeIdx] != 0) {
                            BlockStamp.verify(address[freeIdx], size[freeIdx], tag[freeIdx]);
                            peer.free(address[freeIdx]);
                            address[freeIdx] = 0;
                            ops++;
                        }
                        freeIdx = (freeIdx + 7) % slots;
                    }
                    for (int i = 0; i < allocOps; i++) {
                        if (address[allocIdx] != 0) {
                            BlockStamp.verify(address[allocIdx], size[allocIdx], tag[allocIdx]);
                            peer.free(address[allocIdx]);
                            ops++;
                        }
                        int n = sizes[sizeIdx = (sizeIdx + 1) % SIZES];
                        address[allocIdx] = allocate(peer, n, sizeIdx + i);
                        size[allocIdx] = n;
                        BlockStamp.stamp(address[allocIdx], n, tag[allocIdx] = ++nextTag);
                        ops++;
                        allocIdx = (allocIdx + 11) % slots;
                    }
                    if (threads > 1 && crossRate > 0 && loop % crossRate == 0 && finished.get() == 0) {
                        Foreign batch = new Foreign(new long[allocOps], new long[allocOps], new long[allocOps]);
                        for (int i = 0; i < allocOps; i++) {
                            int n = sizes[sizeIdx = (sizeIdx + 1) % SIZES];
                            batch.address()[i] = allocate(peer, n, sizeIdx + i);
                            batch.size()[i] = n;
                            BlockStamp.stamp(batch.address()[i], n, batch.tag()[i] = ++nextTag);
                            ops++;
                        }
                        cross = (cross + 1) % threads;
                        if (cross == t) {
                            cross = (cross + 1) % threads;
                        }
                        inbox[cross].add(batch);
                    }
                }
            } finally {
                // a failed thread still counts as finished, or the others would wait for it forever
                finished.incrementAndGet();
            }
            while (finished.get() < threads) {
                ops += drain(peer, inbox[t]);
                LockSupport.parkNanos(20_000);
            }
            ops += drain(peer, inbox[t]);
            for (int i = 0; i < slots; i++) {
                if (address[i] != 0) {
                    BlockStamp.verify(address[i], size[i], tag[i]);
                    peer.free(address[i]);
                    ops++;
                }
            }
            operations.addAndGet(ops);
        });
        return new WorkloadResult(operations.get(), System.nanoTime() - start, loops + " loops");
    }

    /** Allocates, 16-byte aligned for a third of the small blocks, and touches every page. */
    private static long allocate(AllocatorUnderTest peer, int size, int choice) {
        boolean aligned = size < 4096 && choice % 3 == 2 && peer.supportsAligned();
        long p = Workers.check(aligned ? peer.mallocAligned(size, 16) : peer.malloc(size), peer, size);
        for (long page = 4096; page < size; page += 4096) {
            NativeMemory.putByte(p + page, (byte) 1);
        }
        NativeMemory.putByte(p + size - 1, (byte) 1);
        return p;
    }

    private static long drain(AllocatorUnderTest peer, ConcurrentLinkedQueue<Foreign> inbox) {
        long ops = 0;
        for (Foreign batch; (batch = inbox.poll()) != null; ) {
            for (int i = 0; i < batch.address().length; i++) {
                BlockStamp.verify(batch.address()[i], batch.size()[i], batch.tag()[i]);
                peer.free(batch.address()[i]);
                ops++;
            }
        }
        return ops;
    }
}
