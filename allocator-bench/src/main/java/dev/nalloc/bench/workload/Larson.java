package dev.nalloc.bench.workload;

import dev.nalloc.bench.memory.BlockStamp;
import dev.nalloc.bench.peer.AllocatorUnderTest;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Port of Larson and Krishnan's server benchmark as run by mimalloc-bench
 * ({@code larson 5 8 1000 5000 100 4141 P}): each thread owns a table of blocks, repeatedly frees
 * a random one and allocates a new one of random size; after {@code rounds} passes over its table
 * a thread hands the table to a newly created thread and exits, so blocks are freed by threads
 * that did not allocate them. The main thread allocates the initial blocks. Measured: operations
 * per second over a fixed run time. The {@code larson-sized} variant frees with the block's size
 * (sized delete) where the allocator offers it.
 */
public final class Larson implements Workload {

    private final boolean sized;

    public Larson(boolean sized) {
        this.sized = sized;
    }

    @Override
    public String name() {
        return sized ? "larson-sized" : "larson";
    }

    @Override
    public String description() {
        return "server-like random free/malloc 8..1000 B, tables handed to new threads" + (sized ? ", sized free" : "");
    }

    @Override
    public boolean freesAcrossThreads() {
        return true;
    }

    /**
     * The links still running. A successor is counted before its predecessor ends, so the count
     * reaches zero only when the last link of every chain is done.
     */
    private static final class Links {
        private final java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        private final CountDownLatch none = new CountDownLatch(1);

        void started() {
            running.incrementAndGet();
        }

        void ended() {
            if (running.decrementAndGet() == 0) {
                none.countDown();
            }
        }

        void await() throws InterruptedException {
            none.await();
        }
    }

    /** One thread's table of live blocks; handed from thread to thread. */
    private static final class Table {
        final long[] address;
        final long[] size;
        final long[] tag;
        final Rng rng;
        long nextTag;

        Table(int chunks, long seed) {
            address = new long[chunks];
            size = new long[chunks];
            tag = new long[chunks];
            rng = new Rng(seed);
            nextTag = seed << 32;
        }
    }

    @Override
    public WorkloadResult run(AllocatorUnderTest peer, WorkloadSettings s) {
        int threads = s.threads();
        int chunks = s.fixedInt("chunks", 5000);
        int rounds = s.fixedInt("rounds", 100);
        int minSize = s.fixedInt("min", 8);
        int maxSize = s.fixedInt("max", 1000);
        long runNanos = s.scaledNanos("seconds", 1.0);

        Table[] tables = new Table[threads];
        for (int t = 0; t < threads; t++) {
            Table table = tables[t] = new Table(chunks, s.seed() * 31 + t);
            for (int i = 0; i < chunks; i++) {
                allocate(peer, table, i, minSize, maxSize);
            }
        }
        AtomicLong operations = new AtomicLong();
        AtomicLong handoffs = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // Every link counts, hand-offs included: a link that handed its table on is still running
        // its threadDone, and the run may end (and the allocator close) only after that.
        Links finished = new Links();
        long deadline = System.nanoTime() + runNanos;
        long start = System.nanoTime();
        finished.started(); // this thread's own count: no early zero while the first links start
        for (int t = 0; t < threads; t++) {
            startLink(peer, tables[t], rounds * chunks, minSize, maxSize, deadline, operations, handoffs, failure,
                    finished, "larson-" + t);
        }
        finished.ended();
        try {
            finished.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        long elapsed = System.nanoTime() - start;
        Workers.rethrow(failure.get());
        for (Table table : tables) {
            for (int i = 0; i < chunks; i++) {
                release(peer, table, i);
            }
        }
        return new WorkloadResult(operations.get(), elapsed, handoffs.get() + " thread hand-offs");
    }

    /** Starts one link of a thread chain; the link starts its successor when its rounds are done. */
    private void startLink(AllocatorUnderTest peer, Table table, long steps, int minSize, int maxSize,
                           long deadline, AtomicLong operations, AtomicLong handoffs,
                           AtomicReference<Throwable> failure, Links finished, String name) {
        finished.started();
        Thread.ofPlatform().name(name).start(() -> {
            try {
                long done = 0;
                int chunks = table.address.length;
                while (done < steps) {
                    // The first 64 steps run anyway: a link started after the deadline (a loaded
                    // machine, short runs) still frees blocks another thread allocated.
                    if (done != 0 && (done & 63) == 0 && (System.nanoTime() >= deadline || failure.get() != null)) {
                        break;
                    }
                    int victim = table.rng.nextInt(chunks);
                    release(peer, table, victim);
                    allocate(peer, table, victim, minSize, maxSize);
                    done++;
                }
                operations.addAndGet(2 * done);
                if (done == steps && System.nanoTime() < deadline && failure.get() == null) {
                    handoffs.incrementAndGet();
                    startLink(peer, table, steps, minSize, maxSize, deadline, operations, handoffs, failure,
                            finished, name);
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                try {
                    peer.threadDone();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    finished.ended(); // even when threadDone failed: the run must not wait forever
                }
            }
        });
    }

    private static void allocate(AllocatorUnderTest peer, Table table, int i, int minSize, int maxSize) {
        long size = minSize + table.rng.nextInt(maxSize - minSize + 1);
        long p = Workers.check(peer.malloc(size), peer, size);
        long tag = ++table.nextTag;
        BlockStamp.stamp(p, size, tag);
        table.address[i] = p;
        table.size[i] = size;
        table.tag[i] = tag;
    }

    private void release(AllocatorUnderTest peer, Table table, int i) {
        long p = table.address[i];
        if (p == 0) {
            return;
        }
        BlockStamp.verify(p, table.size[i], table.tag[i]);
        if (sized) {
            peer.freeSized(p, table.size[i]);
        } else {
            peer.free(p);
        }
        table.address[i] = 0;
    }
}
