package dev.nalloc.bench.workload;

import dev.nalloc.bench.memory.BlockStamp;
import dev.nalloc.bench.memory.NativeMemory;
import dev.nalloc.bench.peer.AllocatorUnderTest;

/**
 * Port of glibc's bench-malloc-simple as modified for mimalloc-bench: allocate n blocks of one
 * small size (writing every byte), free the first half in allocation order and the second half in
 * reverse, for n = 25, 100, 400 and 1600; run on the main thread, on a second thread, and on the
 * main thread again. Measured: total time.
 */
public final class GlibcSimple implements Workload {

    private static final int[] BATCHES = {25, 100, 400, 1600};

    @Override
    public String name() {
        return "glibc-simple";
    }

    @Override
    public String description() {
        return "batches of 25..1600 small blocks, freed half FIFO half LIFO, single thread";
    }

    @Override
    public boolean freesAcrossThreads() {
        return false;
    }

    @Override
    public WorkloadResult run(AllocatorUnderTest peer, WorkloadSettings s) {
        int size = s.fixedInt("size", 16);
        int iterations = s.scaledInt("iterations", 1_200_000);
        long[] blocks = new long[BATCHES[BATCHES.length - 1]];
        long[] operations = new long[1];
        long start = System.nanoTime();
        operations[0] += phase(peer, blocks, size, iterations, 1); // warm-up pass, as in the original
        operations[0] += phase(peer, blocks, size, iterations, 2);
        long[] inThread = new long[1];
        Workers.run(peer, 1, t -> inThread[0] = phase(peer, new long[blocks.length], size, iterations, 3));
        operations[0] += inThread[0];
        operations[0] += phase(peer, blocks, size, iterations, 4);
        return new WorkloadResult(operations[0], System.nanoTime() - start, size + " B blocks");
    }

    private static long phase(AllocatorUnderTest peer, long[] blocks, int size, int iterations, long phase) {
        long ops = 0;
        long tag = phase << 48;
        for (int n : BATCHES) {
            int rounds = Math.max(1, iterations / n);
            for (int j = 0; j < rounds; j++) {
                long firstTag = tag;
                for (int i = 0; i < n; i++) {
                    long p = blocks[i] = Workers.check(peer.malloc(size), peer, size);
                    for (int g = 0; g < size; g++) {
                        NativeMemory.putByte(p + g, (byte) g);
                    }
                    BlockStamp.stamp(p, size, tag++);
                }
                for (int i = 0; i < n / 2; i++) {
                    BlockStamp.verify(blocks[i], size, firstTag + i);
                    peer.free(blocks[i]);
                }
                for (int i = n - 1; i >= n / 2; i--) {
                    BlockStamp.verify(blocks[i], size, firstTag + i);
                    peer.free(blocks[i]);
                }
                ops += 2L * n;
            }
        }
        return ops;
    }
}
