package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Option;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.stats.StatsSnapshot;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.core.segment.SegmentProbes;
import dev.nalloc.core.stats.StatsProbes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Phaser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Larson's thread chains (allocator-bench {@code workload/Larson}) inside core: each chain's table
 * of blocks goes from thread to thread; a link frees random blocks of the table (mostly allocated
 * by its predecessors) and allocates new ones, then starts its successor and only after that calls
 * {@code threadDone} (or, every third link, just ends and is reaped as dead). So a predecessor
 * abandons its pages and segments while its successor frees blocks of them and other threads
 * reclaim them. Every block's contents are verified before it is freed, and each round runs on a
 * fresh instance that must end with no block, page, segment or error; only after every link has
 * returned from {@code threadDone} (and ended) does the round free the tables and close the
 * instance: closing unmaps the memory a thread still inside the allocator would touch.
 * Soak knobs: {@code nalloc.chain.rounds} (instances, default 4), {@code nalloc.chain.links}
 * (links per chain, default 12).
 */
class ThreadChainStressTest {

    private static final int ROUNDS = Integer.getInteger("nalloc.chain.rounds", 4);
    private static final int LINKS = Integer.getInteger("nalloc.chain.links", 12);
    private static final int CHAINS = 3;
    private static final int CHUNKS = 400;
    private static final int STEPS = 800;

    /** One chain's blocks and their tags; handed from link to link (the start of a thread publishes it). */
    private static final class Table {
        final long[] address = new long[CHUNKS];
        final long[] size = new long[CHUNKS];
        final long[] tag = new long[CHUNKS];
        final SplittableRandom rng;
        long nextTag;

        Table(long seed) {
            rng = new SplittableRandom(seed);
            nextTag = seed << 40;
        }

        void allocate(Allocator a, int i) {
            long s = 16 + (rng.nextInt(16) == 0 ? rng.nextInt(40_000) : rng.nextInt(1_000));
            long p = a.malloc(s);
            if (p == 0) {
                throw new OutOfMemoryError("no block of " + s + " bytes");
            }
            long t = ++nextTag;
            Mem.store(p, t);
            TestAllocators.fill(p + 8, s - 8, t ^ p);
            address[i] = p;
            size[i] = s;
            tag[i] = t;
        }

        void release(Allocator a, int i) {
            long p = address[i];
            if (p == 0) {
                return;
            }
            if (Mem.load(p) != tag[i] || !TestAllocators.check(p + 8, size[i] - 8, tag[i] ^ p)) {
                throw new AssertionError("block 0x" + Long.toHexString(p) + " of " + size[i]
                        + " bytes was overwritten (tag " + tag[i] + ", found " + Mem.load(p) + ")");
            }
            a.free(p);
            address[i] = 0;
        }
    }

    @ParameterizedTest(name = "abandoned_reclaim_on_free={0}")
    @ValueSource(ints = {0, 1})
    void chainsOfShortThreadsHandTheirBlocksOnAndCallThreadDone(int reclaimOnFree) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            runRound(reclaimOnFree, round);
        }
    }

    private static void runRound(int reclaimOnFree, int round) throws Exception {
        ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
        try (Allocator a = TestAllocators.builder().errorHandler(errors)
                .option(Option.ABANDONED_RECLAIM_ON_FREE, reclaimOnFree).build()) {
            Engine e = ((NallocAllocator) a).engine();
            Table[] tables = new Table[CHAINS];
            for (int c = 0; c < CHAINS; c++) {
                tables[c] = new Table(round * 131L + c + 1);
                for (int i = 0; i < CHUNKS; i++) {
                    tables[c].allocate(a, i);
                }
            }
            Queue<TestThreads.Running> started = new ConcurrentLinkedQueue<>();
            Phaser links = new Phaser(1);
            for (int c = 0; c < CHAINS; c++) {
                startLink(a, tables[c], 0, links, started);
            }
            links.awaitAdvanceInterruptibly(links.arrive());
            try {
                TestThreads.joinAll(started.toArray(TestThreads.Running[]::new)); // links that just end are reaped only once they are dead
            } catch (AssertionError x) {
                throw new AssertionError("round " + round, x);
            }
            assertEquals(CHAINS * LINKS, started.size());
            for (Table t : tables) {
                for (int i = 0; i < CHUNKS; i++) {
                    t.release(a, i);
                }
            }
            a.threadDone(); // this thread's segments too, so that the collect below finds them abandoned
            a.collect(true);
            StatsSnapshot s = (StatsSnapshot) a.stats();
            assertEquals(0, s.allocationCount(), "round " + round);
            assertEquals(0, StatsProbes.pages(s), "round " + round);
            assertEquals(0, StatsProbes.segments(s), "round " + round + ": every abandoned segment emptied and given back");
            assertEquals(0, e.abandoned.count());
            assertTrue(SegmentProbes.abandonedEver(e.abandoned) >= CHAINS * LINKS / 2, "abandoned " + SegmentProbes.abandonedEver(e.abandoned));
            assertTrue(errors.reports().isEmpty(), errors.reports().toString());
        }
    }

    /** Starts link {@code n} of a chain: registered before the calling link arrives, so the phase waits for it. */
    private static void startLink(Allocator a, Table table, int n, Phaser links, Queue<TestThreads.Running> started) {
        links.register();
        started.add(TestThreads.start(Thread.ofPlatform().name("chain-link-" + n), () -> {
            try {
                for (int step = 0; step < STEPS; step++) {
                    int victim = table.rng.nextInt(CHUNKS);
                    table.release(a, victim);
                    table.allocate(a, victim);
                }
                if (n + 1 < LINKS) {
                    startLink(a, table, n + 1, links, started); // the successor runs while this link retires
                }
                if (n % 3 != 2) {
                    a.threadDone();
                }
            } finally {
                links.arriveAndDeregister();
            }
        }));
    }
}
