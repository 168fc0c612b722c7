package dev.nalloc.core.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestThreads;
import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code committed} is memory in use, not memory the OS was asked to commit (issue 16): in the cases
 * a new user tried — many short-lived arenas, 100k virtual threads, a consumer thread freeing three
 * million blocks of another thread, 10k live small blocks — everything freed and {@code collect(true)}
 * leave {@code committed} within a few MiB of zero while an eagerly committed arena keeps
 * {@code osCommitted} high, and where the OS layer can tell, {@code committed} agrees with the
 * allocator's resident memory ({@code resident()}, from mincore on Linux) and with the process's RSS
 * (which follows {@code committed} up and down within the JVM's own noise).
 */
class HonestCommittedTest {

    private static final long MIB = 1L << 20;
    /** What may stay in use after everything was freed and collected: a page or two, rounding. */
    private static final long LEFT_OVER = 4 * MIB;

    private final OsPrimitives os = OsPrimitives.best();

    private long rss() {
        return os.processInfo().currentRss();
    }

    /** The figures after a forced collect, checked against the allocator's resident memory. */
    private AllocatorStats settled(Allocator a, String scenario) {
        a.collect(true);
        AllocatorStats s = a.stats();
        assertTrue(s.committed() <= LEFT_OVER, scenario + ": committed " + s.committed() / MIB
                + " MiB after everything was freed and collected");
        assertTrue(s.osCommitted() >= s.committed(), scenario + ": osCommitted below committed");
        long resident = s.resident();
        if (resident >= 0) {
            assertTrue(resident <= s.committed() + MIB, scenario + ": resident " + resident + " > committed "
                    + s.committed());
        }
        assertEquals(0, s.allocated(), scenario + ": live bytes");
        return s;
    }

    @Test
    void tenThousandSmallBlocks() {
        try (Allocator a = TestAllocators.create()) {
            long[] blocks = new long[10_000];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = a.malloc(256);
                TestAllocators.fill(blocks[i], 256, i);
            }
            AllocatorStats live = a.stats();
            assertTrue(live.committed() >= 10_000 * 256L && live.committed() <= 10_000 * 256L + LEFT_OVER,
                    "committed while live: " + live.committed());
            long resident = live.resident();
            if (resident >= 0) {
                assertTrue(Math.abs(resident - live.committed()) <= MIB, "resident " + resident
                        + " vs committed " + live.committed() + " while the blocks are live");
            }
            for (long p : blocks) {
                a.free(p);
            }
            settled(a, "10k blocks of 256 B");
        }
    }

    @Test
    void twoThousandArenasOf100KiB() {
        try (Allocator a = TestAllocators.create()) {
            for (int cycle = 0; cycle < 2_000; cycle++) {
                try (Arena arena = a.newArena()) {
                    for (int i = 0; i < 100; i++) {
                        MemorySegment m = arena.allocate(1024);
                        m.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, cycle);
                    }
                }
            }
            settled(a, "2000 arenas of 100 KiB");
        }
    }

    @Test
    void hundredThousandVirtualThreads() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            for (int first = 0; first < 100_000; first += 1_000) { // a thousand at a time
                int from = first;
                TestThreads.runAll(Thread.ofVirtual(), 1_000, i -> {
                    long p = a.malloc(256);
                    TestAllocators.fill(p, 256, from + i);
                    a.free(p);
                });
            }
            settled(a, "100k virtual threads");
        }
    }

    /**
     * A producer allocates three million blocks of 256 B and hands them over; a consumer thread frees
     * them. While they are live, {@code committed} and the allocator's resident memory agree; after
     * the frees and a collect, the process's RSS has dropped by what {@code committed} dropped.
     */
    @Test
    void consumerThreadFreesThreeMillionBlocks() throws InterruptedException {
        int n = 3_000_000;
        long[] blocks = new long[n];
        try (Allocator a = TestAllocators.create()) {
            long rssBefore = rss();
            TestThreads.runOnNewThread(() -> {
                for (int i = 0; i < n; i++) {
                    blocks[i] = a.malloc(256);
                    dev.nalloc.core.memory.Mem.store(blocks[i], i);
                }
            });
            AllocatorStats live = a.stats();
            long liveBytes = n * 256L;
            assertTrue(live.committed() >= liveBytes && live.committed() <= liveBytes + 64 * MIB,
                    "committed while live: " + live.committed() / MIB + " MiB for " + liveBytes / MIB + " MiB of blocks");
            long resident = live.resident();
            if (resident >= 0) {
                assertTrue(Math.abs(resident - live.committed()) <= 4 * MIB, "resident " + resident / MIB
                        + " MiB vs committed " + live.committed() / MIB + " MiB while the blocks are live");
            }
            long rssLive = rss();
            if (rssBefore > 0) {
                assertTrue(rssLive - rssBefore >= liveBytes * 9 / 10, "RSS grew by " + (rssLive - rssBefore) / MIB
                        + " MiB for " + live.committed() / MIB + " MiB committed");
            }
            BlockingQueue<long[]> handOver = new ArrayBlockingQueue<>(16);
            TestThreads.Running consumer = TestThreads.start(() -> {
                for (long[] batch; (batch = handOver.take()).length > 0; ) {
                    for (long p : batch) {
                        a.free(p);
                    }
                }
            });
            for (int from = 0; from < n; from += 10_000) {
                handOver.put(java.util.Arrays.copyOfRange(blocks, from, Math.min(n, from + 10_000)));
            }
            handOver.put(new long[0]);
            consumer.join();
            AllocatorStats after = settled(a, "3M blocks freed by a consumer thread");
            long rssAfter = rss();
            if (rssBefore > 0) {
                long committedDrop = live.committed() - after.committed();
                long rssDrop = rssLive - rssAfter;
                assertTrue(Math.abs(rssDrop - committedDrop) <= committedDrop / 10 + 32 * MIB, "RSS dropped by "
                        + rssDrop / MIB + " MiB, committed by " + committedDrop / MIB + " MiB");
            }
        }
    }
}
