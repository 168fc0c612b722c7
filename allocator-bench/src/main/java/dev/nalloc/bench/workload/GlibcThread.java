package dev.nalloc.bench.workload;

import dev.nalloc.bench.memory.BlockStamp;
import dev.nalloc.bench.memory.NativeMemory;
import dev.nalloc.bench.peer.AllocatorUnderTest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Port of glibc's bench-malloc-thread ({@code glibc-thread P}): each thread keeps a working set of
 * 1024 blocks and, at precomputed random positions, frees the block there and allocates one of a
 * precomputed random size with an inverse-square distribution between 4 B and 32 KiB, writing
 * every byte. Measured: iterations per second over a fixed run time.
 */
public final class GlibcThread implements Workload {

    private static final int WORKING_SET = 1024;
    private static final int MIN_SIZE = 4;
    private static final int MAX_SIZE = 32768;
    private static final int BLOCK_SIZES = 8000;
    private static final int OFFSETS = WORKING_SET * 4;

    @Override
    public String name() {
        return "glibc-thread";
    }

    @Override
    public String description() {
        return "per-thread working set of 1024 blocks, inverse-square sizes 4 B..32 KiB, random replacement";
    }

    @Override
    public boolean freesAcrossThreads() {
        return false;
    }

    /** Inverse-square distributed sizes (most blocks small, a long tail up to 32 KiB). */
    static int[] blockSizes(Rng r) {
        double minPow = Math.pow(MIN_SIZE, -1);
        double maxPow = Math.pow(MAX_SIZE, -1);
        int[] sizes = new int[BLOCK_SIZES];
        for (int i = 0; i < BLOCK_SIZES; i++) {
            sizes[i] = (int) Math.pow((maxPow - minPow) * r.nextDouble() + minPow, -1);
        }
        return sizes;
    }

    @Override
    public WorkloadResult run(AllocatorUnderTest peer, WorkloadSettings s) {
        int threads = s.threads();
        long runNanos = s.scaledNanos("seconds", 1.0);
        Rng init = new Rng(s.seed() + 88);
        int[] sizes = blockSizes(init);
        int[] offsets = new int[OFFSETS];
        for (int i = 0; i < OFFSETS; i++) {
            offsets[i] = init.nextInt(WORKING_SET);
        }
        AtomicLong iterations = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + runNanos;
        Workers.run(peer, threads, t -> {
            long[] address = new long[WORKING_SET];
            int[] size = new int[WORKING_SET];
            long[] tag = new long[WORKING_SET];
            long nextTag = (long) t << 40;
            int offsetState = 0;
            int sizeState = 0;
            long iters = 0;
            // Whole rounds of 256, at least one even when the thread starts after the deadline.
            while (iters == 0 || (iters & 255) != 0 || System.nanoTime() < deadline) {
                int slot = offsets[offsetState = (offsetState + 1) % OFFSETS];
                int n = sizes[sizeState = (sizeState + 1) % BLOCK_SIZES];
                if (address[slot] != 0) {
                    BlockStamp.verify(address[slot], size[slot], tag[slot]);
                    peer.free(address[slot]);
                }
                long p = address[slot] = Workers.check(peer.malloc(n), peer, n);
                for (int i = 0; i < n; i++) {
                    NativeMemory.putByte(p + i, (byte) i);
                }
                size[slot] = n;
                BlockStamp.stamp(p, n, tag[slot] = ++nextTag);
                iters++;
            }
            for (int slot = 0; slot < WORKING_SET; slot++) {
                if (address[slot] != 0) {
                    BlockStamp.verify(address[slot], size[slot], tag[slot]);
                    peer.free(address[slot]);
                }
            }
            iterations.addAndGet(iters);
        });
        long elapsed = System.nanoTime() - start;
        return new WorkloadResult(2 * iterations.get(), elapsed, iterations.get() + " iterations");
    }
}
