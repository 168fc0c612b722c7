package dev.nalloc.bench.workload;

import dev.nalloc.bench.memory.CorruptionException;
import dev.nalloc.bench.memory.NativeMemory;
import dev.nalloc.bench.peer.AllocatorUnderTest;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Port of mimalloc-bench's {@code mstress P 50 25}: threads allocate word arrays of random
 * power-of-two lengths (rarely 100x, 1000x or 10000x larger), keep some, free others at random
 * and swap pointers with a shared transfer table so blocks migrate between threads; all threads
 * are re-created every iteration. Every word of every block holds a checked pattern. The growing
 * pointer table of each thread lives in the allocator's own memory and grows with {@code realloc}.
 * Measured: total time.
 */
public final class MStress implements Workload {

    private static final long COOKIE = 0xbf58476d1ce4e5b9L;
    private static final int TRANSFERS = 1000;
    private static final int TABLE_GROWTH = 100_000;

    @Override
    public String name() {
        return "mstress";
    }

    @Override
    public String description() {
        return "random word arrays with rare huge ones, pointers exchanged between threads, realloc-grown tables";
    }

    @Override
    public boolean freesAcrossThreads() {
        return true;
    }

    @Override
    public WorkloadResult run(AllocatorUnderTest peer, WorkloadSettings s) {
        int threads = s.threads();
        int scale = s.fixedInt("scale", 50);
        int iterations = s.scaledInt("iterations", 10);
        AtomicLongArray transfer = new AtomicLongArray(TRANSFERS);
        AtomicLong operations = new AtomicLong();
        long start = System.nanoTime();
        for (int iter = 0; iter < iterations; iter++) {
            int round = iter;
            Workers.run(peer, threads, tid -> operations.addAndGet(
                    stress(peer, tid, round, threads, scale, transfer, s.seed())));
        }
        for (int i = 0; i < TRANSFERS; i++) {
            freeItems(peer, transfer.getAndSet(i, 0));
        }
        long elapsed = System.nanoTime() - start;
        return new WorkloadResult(operations.get(), elapsed, iterations + " iterations");
    }

    private static long stress(AllocatorUnderTest peer, int tid, int round, int threads, int scale,
                               AtomicLongArray transfer, long seed) {
        Rng r = new Rng(seed + (long) (round * threads + tid + 1) * 43);
        long allocs = 100L * scale * (tid % 8 + 1);
        long retain = allocs / 2;
        long operations = 0;
        long dataSize = 0;
        long dataTop = 0;
        long data = 0;
        long retained = Workers.check(peer.malloc(Math.max(8, retain * 8)), peer, retain * 8);
        long retainTop = 0;
        while (allocs > 0 || retain > 0) {
            if (retain == 0 || (r.chance(50) && allocs > 0)) {
                allocs--;
                if (dataTop >= dataSize) {
                    dataSize += TABLE_GROWTH;
                    data = Workers.check(peer.realloc(data, dataSize * 8), peer, dataSize * 8);
                    operations++;
                }
                NativeMemory.putLong(data + 8 * dataTop++, allocItems(peer, 1L << r.nextInt(5), r));
            } else {
                NativeMemory.putLong(retained + 8 * retainTop++, allocItems(peer, 1L << r.nextInt(7), r));
                retain--;
            }
            operations++;
            if (r.chance(66) && dataTop > 0) {
                long slot = data + 8 * r.nextInt((int) dataTop);
                freeItems(peer, NativeMemory.getLong(slot));
                NativeMemory.putLong(slot, 0);
                operations++;
            }
            if (r.chance(25) && dataTop > 0) {
                long slot = data + 8 * r.nextInt((int) dataTop);
                long mine = NativeMemory.getLong(slot);
                NativeMemory.putLong(slot, transfer.getAndSet(r.nextInt(TRANSFERS), mine));
            }
        }
        for (long i = 0; i < retainTop; i++) {
            freeItems(peer, NativeMemory.getLong(retained + 8 * i));
        }
        for (long i = 0; i < dataTop; i++) {
            freeItems(peer, NativeMemory.getLong(data + 8 * i));
        }
        peer.free(retained);
        peer.free(data);
        return operations + retainTop + dataTop + 2;
    }

    private static long allocItems(AllocatorUnderTest peer, long items, Rng r) {
        if (r.chance(1)) {
            if (r.chance(1)) {
                items *= 10_000;
            } else if (r.chance(10)) {
                items *= 1_000;
            } else {
                items *= 100;
            }
        }
        if (items == 40) {
            items++;
        }
        long p = Workers.check(peer.malloc(items * 8), peer, items * 8);
        for (long i = 0; i < items; i++) {
            NativeMemory.putLong(p + 8 * i, (items - i) ^ COOKIE);
        }
        return p;
    }

    private static void freeItems(AllocatorUnderTest peer, long p) {
        if (p == 0) {
            return;
        }
        if (p < 0 || (p & 7) != 0) {
            throw new CorruptionException(String.format(
                    "memory corruption: a pointer table in allocator memory holds the impossible address 0x%x", p));
        }
        long items = NativeMemory.getLong(p) ^ COOKIE;
        if (items <= 0 || items > 64 * 10_000 + 1) {
            throw new CorruptionException(String.format("memory corruption: block 0x%x has a bad length word", p));
        }
        for (long i = 0; i < items; i++) {
            if ((NativeMemory.getLong(p + 8 * i) ^ COOKIE) != items - i) {
                throw new CorruptionException(String.format(
                        "memory corruption: block 0x%x of %d words changed at word %d while live", p, items, i));
            }
        }
        peer.free(p);
    }
}
