package dev.nalloc.bench.workload;

import dev.nalloc.bench.memory.BlockStamp;
import dev.nalloc.bench.peer.AllocatorUnderTest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * In the spirit of mimalloc-bench's alloc-test (OLogN's allocator tester): each thread keeps a
 * table of slots and, at random slots, frees the block there or allocates a new one, with sizes
 * skewed towards small blocks (mostly up to 64 B, some up to 1 KiB, a few up to 64 KiB) and the
 * occasional realloc. Blocks stay on their thread. Measured: total time.
 */
public final class AllocTest implements Workload {

    @Override
    public String name() {
        return "alloc-test";
    }

    @Override
    public String description() {
        return "random malloc/free/realloc at random slots, sizes skewed small (8 B..64 KiB), per thread";
    }

    @Override
    public boolean freesAcrossThreads() {
        return false;
    }

    @Override
    public WorkloadResult run(AllocatorUnderTest peer, WorkloadSettings s) {
        int threads = s.threads();
        int slots = s.fixedInt("slots", 8192);
        int iterations = s.scaledInt("iterations", 12_000_000) / threads;
        AtomicLong operations = new AtomicLong();
        long start = System.nanoTime();
        Workers.run(peer, threads, t -> {
            Rng r = new Rng(s.seed() * 7 + t);
            long[] address = new long[slots];
            long[] size = new long[slots];
            long[] tag = new long[slots];
            long nextTag = (long) t << 40;
            long ops = 0;
            for (int i = 0; i < iterations; i++) {
                int slot = r.nextInt(slots);
                if (address[slot] != 0) {
                    BlockStamp.verify(address[slot], size[slot], tag[slot]);
                    if (r.chance(10)) {
                        long n = nextSize(r);
                        address[slot] = Workers.check(peer.realloc(address[slot], n), peer, n);
                        if (n >= size[slot]) {
                            BlockStamp.verify(address[slot], size[slot], tag[slot]); // realloc kept the contents
                        }
                        size[slot] = n;
                        BlockStamp.stamp(address[slot], n, tag[slot] = ++nextTag);
                    } else {
                        peer.free(address[slot]);
                        address[slot] = 0;
                    }
                } else {
                    long n = nextSize(r);
                    address[slot] = Workers.check(peer.malloc(n), peer, n);
                    size[slot] = n;
                    BlockStamp.stamp(address[slot], n, tag[slot] = ++nextTag);
                }
                ops++;
            }
            for (int slot = 0; slot < slots; slot++) {
                if (address[slot] != 0) {
                    BlockStamp.verify(address[slot], size[slot], tag[slot]);
                    peer.free(address[slot]);
                    ops++;
                }
            }
            operations.addAndGet(ops);
        });
        return new WorkloadResult(operations.get(), System.nanoTime() - start, slots + " slots per thread");
    }

    private static long nextSize(Rng r) {
        int bucket = r.nextInt(100);
        if (bucket < 75) {
            return 8 + r.nextInt(57);
        } else if (bucket < 97) {
            return 64 + r.nextInt(961);
        }
        return 1024 + r.nextInt(64 * 1024 - 1024 + 1);
    }
}
