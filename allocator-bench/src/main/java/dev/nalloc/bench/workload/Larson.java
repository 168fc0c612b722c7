package dev.nalloc.bench.workload;

import dev.nalloc.bench.memory.BlockStamp;
import dev.nalloc.bench.peer.AllocatorUnderTest;

import java.util.concurrent.Phaser;
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
        // Every link of every chain is a party until its own threadDone has returned: a link hands its
        // table on before its threadDone, so waiting for the chains' last links only would let the
        // caller free the tables and close the allocator while a predecessor is still in threadDone.
        Phaser links = new Phaser(1);
        long deadline = System.nanoTime() + runNanos;
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            startLink(peer, tables[t], rounds * chunks, minSize, maxSize, deadline, operations, handoffs, failure,
                    links, "larson-" + t);
        }
        try {
            links.awaitAdvanceInterruptibly(links.arrive());
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

    /**
     * Starts one link of a thread chain, a party of {@code links} (registered here, before the calling
     * link arrives, so the phase cannot end in between); the link starts its successor when its rounds
     * are done, and arrives only after its own threadDone.
     */
    private void startLink(AllocatorUnderTest peer, Table table, long steps, int minSize, int maxSize,
                           long deadline, AtomicLong operations, AtomicLong handoffs,
                           AtomicReference<Throwable> failure, Phaser links, String name) {
        links.register();
        Runnable link = () -> {
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
                            links, name);
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                try {
                    peer.threadDone();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    links.arriveAndDeregister();
                }
            }
        };
        try {
            Thread.ofPlatform().name(name).start(link);
        } catch (Throwable e) {
            links.arriveAndDeregister(); // the link never ran
            throw e;
        }
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
