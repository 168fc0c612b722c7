package dev.nalloc.bench.workload;

import dev.nalloc.bench.memory.BlockStamp;
import dev.nalloc.bench.memory.NativeMemory;
import dev.nalloc.bench.peer.AllocatorUnderTest;

import dev.nalloc.bench.memory.CorruptionException;

/**
 * Ports of Hoard's cache-thrash and cache-scratch ({@code P 1000 1 2000000 P}): each thread
 * repeatedly allocates a tiny object, writes and reads every byte of it many times, and frees it.
 * An allocator that places different threads' objects in one cache line makes the threads fight
 * over it (active false sharing: thrash). In cache-scratch each thread first frees an object the
 * main thread allocated for it, and an allocator that hands that memory back out to the freeing
 * thread causes passive false sharing. Every byte read back must be the byte just written: a block
 * shared with another live owner shows up. Measured: total time.
 */
public final class CacheLocality implements Workload {

    private final boolean scratch;

    public CacheLocality(boolean scratch) {
        this.scratch = scratch;
    }

    @Override
    public String name() {
        return scratch ? "cache-scratch" : "cache-thrash";
    }

    @Override
    public String description() {
        return scratch ? "passive false sharing: tiny objects freed by other threads, then reused"
                : "active false sharing: threads write tiny objects allocated side by side";
    }

    @Override
    public boolean freesAcrossThreads() {
        return scratch;
    }

    @Override
    public WorkloadResult run(AllocatorUnderTest peer, WorkloadSettings s) {
        int threads = s.threads();
        int iterations = s.scaledInt("iterations", 1000);
        int objectSize = s.fixedInt("size", 8);
        int repetitions = Math.max(1, s.fixedInt("repetitions", 200_000) / threads);
        long[] initial = new long[threads];
        if (scratch) {
            for (int t = 0; t < threads; t++) {
                initial[t] = Workers.check(peer.malloc(objectSize), peer, objectSize);
                BlockStamp.stamp(initial[t], objectSize, -t - 1);
            }
        }
        long start = System.nanoTime();
        Workers.run(peer, threads, t -> {
            if (scratch) {
                BlockStamp.verify(initial[t], objectSize, -t - 1);
                peer.free(initial[t]);
            }
            for (int i = 0; i < iterations; i++) {
                long object = Workers.check(peer.malloc(objectSize), peer, objectSize);
                int salt = t * 131 + i;
                for (int j = 0; j < repetitions; j++) {
                    for (int k = 0; k < objectSize; k++) {
                        byte value = (byte) (k + salt);
                        NativeMemory.putByteOpaque(object + k, value);
                        if (NativeMemory.getByteOpaque(object + k) != value) {
                            throw new CorruptionException(String.format(
                                    "memory corruption: byte %d of live block 0x%x changed under its owner", k, object));
                        }
                    }
                }
                long tag = ((long) t << 32) | i;
                BlockStamp.stamp(object, objectSize, tag);
                BlockStamp.verify(object, objectSize, tag);
                peer.free(object);
            }
        });
        long elapsed = System.nanoTime() - start;
        return new WorkloadResult(2L * threads * iterations + (scratch ? threads : 0), elapsed,
                (long) threads * iterations * repetitions * objectSize + " byte writes");
    }
}
