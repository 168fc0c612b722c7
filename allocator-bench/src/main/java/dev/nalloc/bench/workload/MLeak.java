package dev.nalloc.bench.workload;

import dev.nalloc.bench.memory.BlockStamp;
import dev.nalloc.bench.memory.CorruptionException;
import dev.nalloc.bench.memory.NativeMemory;
import dev.nalloc.bench.peer.AllocatorUnderTest;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Port of mimalloc-bench's mleak ({@code mleak 5}): over and over, 10 short-lived threads each
 * allocate one small zeroed object, swap it into a random slot of a shared table and free what
 * was there. Allocators that keep per-thread memory alive after their threads end grow here;
 * peak RSS is the figure to watch. Measured: total time.
 */
public final class MLeak implements Workload {

    private static final int THREADS = 10;
    private static final int WORDS = 16;

    /** A live object and the tag of its stamp (kept outside the block, so overlaps cannot forge it). */
    private record Block(long address, long tag) {
    }

    @Override
    public String name() {
        return "mleak";
    }

    @Override
    public String description() {
        return "10 short-lived threads per round swap small objects through a shared table";
    }

    @Override
    public boolean freesAcrossThreads() {
        return true;
    }

    @Override
    public WorkloadResult run(AllocatorUnderTest peer, WorkloadSettings s) {
        int rounds = s.scaledInt("rounds", 300);
        int transfers = THREADS * 100;
        AtomicReferenceArray<Block> transfer = new AtomicReferenceArray<>(transfers);
        AtomicLong tags = new AtomicLong();
        long size = WORDS * 8L;
        long start = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            long seed = s.seed() + (long) round * THREADS;
            Workers.run(peer, THREADS, t -> {
                long p = Workers.check(peer.calloc(WORDS, 8), peer, size);
                for (int i = 0; i < WORDS; i++) {
                    if (NativeMemory.getLong(p + 8L * i) != 0) {
                        throw new CorruptionException(
                                String.format("memory corruption: calloc returned a non-zero block 0x%x", p));
                    }
                }
                long tag = tags.incrementAndGet();
                BlockStamp.stamp(p, size, tag);
                Block old = transfer.getAndSet(new Rng(seed + t).nextInt(transfers), new Block(p, tag));
                release(peer, old, size);
            });
        }
        for (int i = 0; i < transfers; i++) {
            release(peer, transfer.getAndSet(i, null), size);
        }
        return new WorkloadResult(2L * rounds * THREADS, System.nanoTime() - start, rounds * THREADS + " threads");
    }

    private static void release(AllocatorUnderTest peer, Block block, long size) {
        if (block != null) {
            BlockStamp.verify(block.address(), size, block.tag());
            peer.free(block.address());
        }
    }
}
