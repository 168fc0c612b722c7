package dev.nalloc.core.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import dev.nalloc.api.Mode;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestEngines;
import dev.nalloc.core.TestThreads;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The peaks are tracked at slow-path events, not sampled by snapshots (issue 16): no snapshot is
 * taken while the blocks are live, and still the peaks equal the true maximum of live bytes in the
 * cases the issue names, and stay within the documented precision elsewhere (docs/statistics.md:
 * a small size class may count the blocks it carved and has not handed out yet, less than one
 * 4 KiB batch per size class and thread).
 */
class PeaksTest {

    private static final long MIB = 1L << 20;

    private static long peakOf(AllocatorStats s, String count) {
        return s.counts().get(count).peak();
    }

    @Test
    void tenThousandLiveSmallBlocksFreedInEitherOrder() {
        for (boolean reverse : new boolean[]{false, true}) {
            try (Allocator a = TestAllocators.create()) {
                long[] p = new long[10_000];
                for (int i = 0; i < p.length; i++) {
                    p[i] = a.malloc(256);
                }
                for (int i = 0; i < p.length; i++) {
                    a.free(p[reverse ? p.length - 1 - i : i]);
                }
                AllocatorStats s = a.stats();
                assertEquals(0, s.allocated());
                assertEquals(10_000 * 256L, s.allocatedPeak(), "reverse " + reverse);
                assertEquals(10_000, peakOf(s, "blocks"));
            }
        }
    }

    /** A count that does not fill the last 4 KiB batch: the peak may count the rest of that batch. */
    @Test
    void aPartialBatchIsCountedAtMostOnce() {
        try (Allocator a = TestAllocators.create()) {
            long[] p = new long[10_001];
            for (int i = 0; i < p.length; i++) {
                p[i] = a.malloc(256);
            }
            for (long x : p) {
                a.free(x);
            }
            long peak = a.stats().allocatedPeak();
            long truth = 10_001 * 256L;
            assertTrue(peak >= truth && peak < truth + 4096, "peak " + peak + " vs " + truth);
        }
    }

    @Test
    void mediumLargeAndHugeBlocksAreExact() {
        try (Allocator a = TestAllocators.create()) {
            List<Long> p = new ArrayList<>();
            for (int i = 0; i < 333; i++) {
                p.add(a.malloc(5000)); // medium, 5120 B blocks
            }
            for (int i = 0; i < 3; i++) {
                p.add(a.malloc(200_000)); // large
            }
            long huge = a.malloc(40 * MIB);
            long truth = 333 * 5120L + 3 * a.usableSize(p.get(333)) + a.usableSize(huge);
            p.forEach(a::free);
            a.free(huge);
            AllocatorStats s = a.stats();
            assertEquals(truth, s.allocatedPeak());
            assertEquals(40 * MIB, peakOf(s, "huge"));
            assertEquals(1, peakOf(s, "huge_count"));
            assertEquals(333 + 3 + 1, peakOf(s, "blocks"));
        }
    }

    @Test
    void churnBelowThePeakLeavesItAlone() {
        try (Allocator a = TestAllocators.create()) {
            long[] p = new long[4096];
            for (int i = 0; i < p.length; i++) {
                p[i] = a.malloc(64);
            }
            for (long x : p) {
                a.free(x);
            }
            // many rounds of a smaller working set, in other size classes too
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < 1000; i++) {
                    p[i] = a.malloc(16 + (i % 7) * 16);
                }
                for (int i = 999; i >= 0; i--) {
                    a.free(p[i]);
                }
            }
            assertEquals(4096 * 64L, a.stats().allocatedPeak());
        }
    }

    /** A producer allocates, a consumer thread frees (the case, smaller). */
    @Test
    void producerAndConsumerThreads() throws Exception {
        int n = 320_000; // a multiple of the 16-block batch of 256 B
        try (Allocator a = TestAllocators.create()) {
            long[] blocks = new long[n];
            TestThreads.runOnNewThread(() -> {
                for (int i = 0; i < n; i++) {
                    blocks[i] = a.malloc(256);
                }
            });
            BlockingQueue<long[]> handOver = new ArrayBlockingQueue<>(8);
            TestThreads.Running consumer = TestThreads.start(() -> {
                for (long[] b; (b = handOver.take()).length > 0; ) {
                    for (long x : b) {
                        a.free(x);
                    }
                }
            });
            for (int from = 0; from < n; from += 10_000) {
                handOver.put(java.util.Arrays.copyOfRange(blocks, from, from + 10_000));
            }
            handOver.put(new long[0]);
            consumer.join();
            AllocatorStats s = a.stats();
            assertEquals(0, s.allocated());
            assertEquals(n * 256L, s.allocatedPeak());
        }
    }

    /** Four threads grow together, then free: the instance-wide peak is their sum. */
    @Test
    void threadsGrowingTogether() throws Exception {
        int threads = 4;
        int n = 16 * 2000;
        try (Allocator a = TestAllocators.create()) {
            CyclicBarrier grown = new CyclicBarrier(threads);
            TestThreads.runAll(Thread.ofPlatform(), threads, t -> {
                long[] p = new long[n];
                for (int i = 0; i < n; i++) {
                    p[i] = a.malloc(128);
                }
                grown.await();
                for (long x : p) {
                    a.free(x);
                }
            });
            assertEquals((long) threads * n * 128, a.stats().allocatedPeak());
        }
    }

    @Test
    void twoThousandArenas() {
        try (Allocator a = TestAllocators.create()) {
            for (int cycle = 0; cycle < 2_000; cycle++) {
                try (Arena arena = a.newArena()) {
                    for (int i = 0; i < 100; i++) {
                        arena.allocate(1024);
                    }
                }
            }
            assertEquals(100 * 1024L, a.stats().allocatedPeak());
        }
    }

    /**
     * Virtual threads share heaps; the live blocks all wait in a queue until every thread is done.
     * Each shared heap may count the rest of one batch it carved.
     */
    @Test
    void virtualThreads() throws Exception {
        int n = 20_000;
        try (Allocator a = TestAllocators.create()) {
            ConcurrentLinkedQueue<Long> live = new ConcurrentLinkedQueue<>();
            TestThreads.runAll(Thread.ofVirtual(), n, i -> live.add(a.malloc(256)));
            for (Long x : live) {
                a.free(x);
            }
            long truth = n * 256L;
            long peak = a.stats().allocatedPeak();
            // Above the truth by less than one carved 4 KiB batch per heap that allocated: the shared
            // heaps, whose number grows when descheduled virtual threads hold every lease (a loaded machine).
            int heaps = TestEngines.leaseCount(a) + 1;
            assertTrue(peak >= truth && peak <= truth + heaps * 4096L,
                    "peak " + peak + " vs " + truth + " with " + heaps + " heaps");
        }
    }

    /**
     * Random mallocs and frees of mixed sizes on one thread, with the true peak of live bytes kept by
     * the test: the tracked peak may only be off by the documented precision.
     */
    @Test
    void randomChurnStaysWithinThePrecision() {
        java.util.Random r = new java.util.Random(42);
        for (int run = 0; run < 5; run++) {
            try (Allocator a = TestAllocators.create()) {
                long[] live = new long[20_000];
                int n = 0;
                long bytes = 0;
                long truePeak = 0;
                java.util.Set<Long> smallClasses = new java.util.HashSet<>();
                for (int op = 0; op < 400_000; op++) {
                    boolean grow = n == 0 || (n < live.length && r.nextInt(100) < (op < 200_000 ? 52 : 48));
                    if (grow) {
                        long size = r.nextInt(10) == 0 ? 1 + r.nextInt(20_000) : 1 + r.nextInt(512);
                        long p = a.malloc(size);
                        live[n++] = p;
                        long usable = a.usableSize(p);
                        if (usable <= 1024) {
                            smallClasses.add(usable);
                        }
                        bytes += usable;
                        truePeak = Math.max(truePeak, bytes);
                    } else {
                        int i = r.nextInt(n);
                        bytes -= a.usableSize(live[i]);
                        a.free(live[i]);
                        live[i] = live[--n];
                    }
                }
                long peak = a.stats().allocatedPeak();
                // below: blocks taken and given back entirely on the fast path between two slow-path
                // events (at most a page of each small size class); above: carved blocks not handed out
                // (less than a 4 KiB batch per small size class).
                long slack = smallClasses.size() * 64 * 1024L;
                assertTrue(peak >= truePeak - slack && peak <= truePeak + smallClasses.size() * 4096L,
                        "run " + run + ": peak " + peak + ", true " + truePeak + " (" + smallClasses.size()
                                + " small size classes)");
                for (int i = 0; i < n; i++) {
                    a.free(live[i]);
                }
            }
        }
    }

    @Test
    void resetStartsThePeaksFromTheValueNow() {
        try (Allocator a = TestAllocators.create()) {
            long[] p = new long[1600];
            for (int i = 0; i < p.length; i++) {
                p[i] = a.malloc(512);
            }
            long keep = a.malloc(100_000);
            for (long x : p) {
                a.free(x);
            }
            assertEquals(1600 * 512L + a.usableSize(keep), a.stats().allocatedPeak());
            a.resetPeaks();
            AllocatorStats s = a.stats();
            assertEquals(a.usableSize(keep), s.allocatedPeak(), "the live block only");
            assertEquals(s.committed(), s.counts().get("committed").peak());
            for (int i = 0; i < 160; i++) {
                p[i] = a.malloc(512);
            }
            for (int i = 0; i < 160; i++) {
                a.free(p[i]);
            }
            assertEquals(160 * 512L + a.usableSize(keep), a.stats().allocatedPeak());
            a.free(keep);
        }
    }

    /** CHECKED and SECURE keep encoded lists: their small pages count blocks when handed out and seen. */
    @Test
    void checkedAndSecureStayWithinOneBatchPerSizeClass() {
        for (Mode mode : new Mode[]{Mode.CHECKED, Mode.SECURE}) {
            long blockSize;
            try (Allocator probe = TestAllocators.builder().mode(mode).build()) {
                long x = probe.malloc(256);
                blockSize = probe.stats().allocated(); // the mode's block for 256 B (CHECKED pads)
                probe.free(x);
            }
            try (Allocator a = TestAllocators.builder().mode(mode).build()) {
                long[] p = new long[5_000];
                for (int i = 0; i < p.length; i++) {
                    p[i] = a.malloc(256);
                }
                for (long x : p) {
                    a.free(x);
                }
                long truth = 5_000 * blockSize;
                long peak = a.stats().allocatedPeak();
                assertTrue(peak <= truth && peak >= truth - 64 * 1024, mode + ": peak " + peak + " vs " + truth);
            }
        }
    }
}
