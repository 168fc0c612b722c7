package dev.nalloc.bench.workload;

import dev.nalloc.bench.memory.BlockStamp;
import dev.nalloc.bench.memory.NativeMemory;
import dev.nalloc.bench.peer.AllocatorUnderTest;

/**
 * Port of mimalloc-bench's malloc-large: 20 slots, each iteration replaces the block in a random
 * slot by a new zero-initialized one of 5..25 MiB. Like C++'s {@code make_unique<char[]>} (operator
 * new, then value-initialization) it is malloc followed by zeroing every byte, so every page is
 * touched whatever the allocator knows about fresh memory. Measured: total time.
 */
public final class MallocLarge implements Workload {

    private static final int SLOTS = 20;
    private static final long MIN = 5L << 20;
    private static final long MAX = 25L << 20;

    @Override
    public String name() {
        return "malloc-large";
    }

    @Override
    public String description() {
        return "20 live zeroed blocks of 5..25 MiB, replaced at random";
    }

    @Override
    public boolean freesAcrossThreads() {
        return false;
    }

    @Override
    public WorkloadResult run(AllocatorUnderTest peer, WorkloadSettings s) {
        int iterations = s.scaledInt("iterations", 300);
        long min = s.fixedInt("min-mib", (int) (MIN >> 20)) * (1L << 20);
        long max = s.fixedInt("max-mib", (int) (MAX >> 20)) * (1L << 20);
        Rng r = new Rng(s.seed() + 42);
        long[] address = new long[SLOTS];
        long[] size = new long[SLOTS];
        long[] tag = new long[SLOTS];
        long ops = 0;
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            int slot = r.nextInt(SLOTS);
            long n = min + (long) (r.nextDouble() * (max - min + 1));
            if (address[slot] != 0) {
                BlockStamp.verify(address[slot], size[slot], tag[slot]);
                peer.free(address[slot]);
                ops++;
            }
            long p = Workers.check(peer.malloc(n), peer, n);
            NativeMemory.fill(p, n, (byte) 0);
            BlockStamp.stamp(p, n, tag[slot] = i + 1);
            address[slot] = p;
            size[slot] = n;
            ops++;
        }
        for (int slot = 0; slot < SLOTS; slot++) {
            if (address[slot] != 0) {
                BlockStamp.verify(address[slot], size[slot], tag[slot]);
                peer.free(address[slot]);
                ops++;
            }
        }
        return new WorkloadResult(ops, System.nanoTime() - start, iterations + " large blocks");
    }
}
