package dev.nalloc.core.arena;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Option;
import dev.nalloc.core.SimulatedOs;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestThreads;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arena purges race with other threads' allocations of the same arena's blocks: 4 threads take and
 * give back huge blocks (one arena block each) of a small arena while purges run at once
 * ({@code purge_delay} 0) or after a short delay, from every thread. A purge that hit a block in
 * use would zero (decommit) a live block: every block's pattern is checked before it is freed, and
 * every zeroed allocation must read as zero. Rounds: {@code nalloc.stress.arena.rounds} (default 50).
 */
class ArenaPurgeStressTest {

    private static final long MIB = 1L << 20;

    /**
     * The interleaving the stress hopes to hit, forced: while one thread purges an arena block (held
     * inside the OS decommit), another thread's allocation must not get that block.
     */
    @Test
    void aBlockBeingPurgedIsNotHandedOut() throws Exception {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = TestAllocators.builder().os(os).option(Option.PURGE_DELAY, -1).build()) {
            long p = a.malloc(20 * MIB);
            long block = p & -dev.nalloc.core.arena.MemoryArena.BLOCK_SIZE;
            a.free(p); // marked for purge; -1: only a forced collect purges it
            os.gateSize = dev.nalloc.core.arena.MemoryArena.BLOCK_SIZE;
            os.gateEntered = new java.util.concurrent.CountDownLatch(1);
            os.gate = new java.util.concurrent.CountDownLatch(1);
            TestThreads.Running purger = TestThreads.start(Thread.ofPlatform().daemon(true).name("purger"), () -> a.collect(true));
            assertTrue(os.gateEntered.await(10, java.util.concurrent.TimeUnit.SECONDS), "the purge started");
            long q = a.malloc(20 * MIB);
            assertTrue(q != 0);
            assertTrue((q & -dev.nalloc.core.arena.MemoryArena.BLOCK_SIZE) != block, "the block under purge was handed out");
            TestAllocators.fill(q, 20 * MIB, 5);
            os.gate.countDown();
            purger.join(Duration.ofSeconds(60));
            assertTrue(TestAllocators.check(q, 20 * MIB, 5));
            long r = a.zalloc(20 * MIB);
            assertEquals(block, r & -dev.nalloc.core.arena.MemoryArena.BLOCK_SIZE, "after the purge the block is free again");
            assertTrue(TestAllocators.isZero(r, 20 * MIB));
            a.free(q);
            a.free(r);
        }
    }

    @Test
    void purgeAtOnce() throws Exception {
        run(0, true);
    }

    @Test
    void purgeAfterADelayByReset() throws Exception {
        run(1, false);
    }

    private static void run(long delay, boolean decommits) throws Exception {
        int threads = 4;
        int rounds = Integer.getInteger("nalloc.stress.arena.rounds", 50);
        ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
        Allocator a = TestAllocators.builder().errorHandler(errors).option(Option.ARENA_RESERVE, 192 * MIB)
                .option(Option.PURGE_DELAY, delay).option(Option.ARENA_PURGE_MULT, 1)
                .option(Option.PURGE_DECOMMITS, decommits ? 1 : 0).build();
        TestThreads.Running[] workers = TestThreads.startAll(Thread.ofPlatform().daemon(true).name("arena-purge-", 0), threads, t -> {
            long seed = 17 + t;
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int r = 0; r < rounds; r++) {
                long size = (17 + rnd.nextInt(10)) * MIB; // huge: one arena block
                boolean zero = rnd.nextBoolean();
                long p = zero ? a.zalloc(size) : a.malloc(size);
                if (p == 0) {
                    continue; // the arena is full right now and others hold OS memory
                }
                if (zero && !TestAllocators.isZero(p, 4096)) {
                    throw new AssertionError("zalloc block not zero at round " + r);
                }
                long tag = seed * 1_000_003L + r;
                TestAllocators.fill(p, 64 * 1024, tag);
                TestAllocators.fill(p + size - 64 * 1024, 64 * 1024, tag + 1);
                if (rnd.nextInt(4) == 0) {
                    a.collect(rnd.nextBoolean());
                }
                if (!TestAllocators.check(p, 64 * 1024, tag)
                        || !TestAllocators.check(p + size - 64 * 1024, 64 * 1024, tag + 1)) {
                    throw new AssertionError("a live block was purged at round " + r);
                }
                a.free(p);
            }
            a.threadDone();
        });
        // Purging at once decommits and re-commits a 32 MiB block per round: allow for it. A worker
        // still running after that fails the test and the allocator is left open, since unmapping
        // memory under a running worker would crash the JVM instead of reporting.
        try {
            TestThreads.joinAll(Duration.ofMillis(30_000L + rounds * 200L), workers);
            assertTrue(errors.reports().isEmpty(), () -> "engine reported: " + errors.reports());
            a.collect(true);
            assertEquals(0, a.stats().allocated());
        } finally {
            if (Arrays.stream(workers).noneMatch(w -> w.thread().isAlive())) {
                a.close();
            }
        }
    }
}
