package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.stats.StatsSnapshot;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.core.heap.HeapProbes;
import dev.nalloc.core.segment.SegmentProbes;
import dev.nalloc.core.stats.StatsProbes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The idea of mimalloc's {@code test/test-stress.c}, in Java: every round starts fresh threads that
 * allocate blocks of mostly small, sometimes large sizes, free some of them, keep some until they
 * end, and swap others atomically with a shared transfer array, so that about half of the
 * transferred blocks outlive the thread that made them and are freed by threads of later rounds.
 * Every block holds its word count and a pattern keyed by a cookie, checked at every free. Half
 * the threads end with {@code threadDone}, the others just end (found dead by the engine), so
 * segments are abandoned and reclaimed all the time.
 *
 * <p>Soak knobs: {@code nalloc.teststress.threads} (default 4), {@code nalloc.teststress.scale}
 * (percent, default 10), {@code nalloc.teststress.iter} (rounds, default 10).
 */
class TestStressPortTest {

    private static final int THREADS = Integer.getInteger("nalloc.teststress.threads", 4);
    private static final int SCALE = Integer.getInteger("nalloc.teststress.scale", 10);
    private static final int ITER = Integer.getInteger("nalloc.teststress.iter", 10);
    private static final int TRANSFERS = 1000;
    private static final long COOKIE = 0xbf58476d1ce4e5b9L;

    /** xorshift, as in test-stress. */
    private static final class Rand {
        long x;

        Rand(long seed) {
            x = seed == 0 ? 17 : seed;
        }

        long pick() {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            return x;
        }

        boolean chance(int percent) {
            return Long.remainderUnsigned(pick(), 100) < percent;
        }
    }

    private static long allocItems(Allocator a, long items, Rand r) {
        if (r.chance(1)) {
            items *= r.chance(10) ? (r.chance(1) ? 1000 : 100) : 10; // 1%: 10x, 0.1%: 100x, 0.001%: 1000x
        }
        long p = a.malloc(items * 8);
        if (p == 0) {
            throw new AssertionError("out of memory for " + items + " words");
        }
        for (long i = 0; i < items; i++) {
            Mem.store(p + i * 8, (items - i) ^ COOKIE);
        }
        return p;
    }

    private static void freeItems(Allocator a, long p) {
        if (p == 0) {
            return;
        }
        long items = Mem.load(p) ^ COOKIE;
        if (items <= 0 || items > 100_000_000) {
            throw new AssertionError("block 0x" + Long.toHexString(p) + " has a corrupt header");
        }
        for (long i = 0; i < items; i++) {
            if ((Mem.load(p + i * 8) ^ COOKIE) != items - i) {
                throw new AssertionError("memory corruption in block 0x" + Long.toHexString(p) + " at word " + i);
            }
        }
        a.free(p);
    }

    private static void stress(Allocator a, AtomicLongArray transfer, long tid) {
        Rand r = new Rand((tid + 1) * 43);
        int maxItemShift = 5;
        int maxItemRetainedShift = maxItemShift + 2;
        long allocs = 100L * SCALE * (tid % 8 + 1); // some threads do more
        long retain = allocs / 2;
        long[] data = new long[16];
        int dataTop = 0;
        long[] retained = new long[(int) retain];
        int retainTop = 0;
        while (allocs > 0 || retain > 0) {
            if (retain == 0 || (r.chance(50) && allocs > 0)) {
                allocs--; // 50%+ alloc
                if (dataTop >= data.length) {
                    data = java.util.Arrays.copyOf(data, data.length * 2);
                }
                data[dataTop++] = allocItems(a, 1L << Long.remainderUnsigned(r.pick(), maxItemShift), r);
            } else {
                retained[retainTop++] = allocItems(a, 1L << Long.remainderUnsigned(r.pick(), maxItemRetainedShift), r);
                retain--; // 25% retain
            }
            if (r.chance(66) && dataTop > 0) { // 66% free a previous alloc
                int idx = (int) Long.remainderUnsigned(r.pick(), dataTop);
                freeItems(a, data[idx]);
                data[idx] = 0;
            }
            if (r.chance(25) && dataTop > 0) { // 25% exchange a local block with the shared transfer array
                int dataIdx = (int) Long.remainderUnsigned(r.pick(), dataTop);
                int transferIdx = (int) Long.remainderUnsigned(r.pick(), TRANSFERS);
                data[dataIdx] = transfer.getAndSet(transferIdx, data[dataIdx]);
            }
        }
        for (int i = 0; i < retainTop; i++) {
            freeItems(a, retained[i]);
        }
        for (int i = 0; i < dataTop; i++) {
            freeItems(a, data[i]);
        }
    }

    @ParameterizedTest(name = "virtual threads: {0}")
    @ValueSource(booleans = {false, true})
    void threadsRecreatedEveryRoundExchangeBlocksThatOutliveThem(boolean virtual) throws Exception {
        ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
        try (Allocator a = TestAllocators.builder().errorHandler(errors).build()) {
            Engine e = ((NallocAllocator) a).engine();
            AtomicLongArray transfer = new AtomicLongArray(TRANSFERS);
            long peakSegments = 0;
            for (int round = 0; round < ITER; round++) {
                long first = (long) round * THREADS;
                // platform threads as daemons: a worker stuck in a corrupt list must not keep the JVM alive
                Thread.Builder threads = virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon(true);
                TestThreads.joinAll(Duration.ofSeconds(240), TestThreads.startAll(threads, THREADS, t -> { // hung: a cyclic free list?
                    long tid = first + t;
                    stress(a, transfer, tid);
                    if (tid % 2 == 0) {
                        a.threadDone();
                    }
                }));
                StatsSnapshot s = (StatsSnapshot) a.stats();
                peakSegments = Math.max(peakSegments, StatsProbes.segments(s) - StatsProbes.hugeSegments(s));
            }
            for (int i = 0; i < TRANSFERS; i++) {
                freeItems(a, transfer.getAndSet(i, 0));
            }
            a.collect(true);
            StatsSnapshot s = (StatsSnapshot) a.stats();
            System.out.printf("test-stress port (%s): %d rounds x %d threads, peak segments %d, abandoned %d, reclaimed %d, freed %d%n",
                    virtual ? "virtual" : "platform", ITER, THREADS, peakSegments, SegmentProbes.abandonedEver(e.abandoned),
                    SegmentProbes.reclaimedEver(e.abandoned), SegmentProbes.freedEver(e.abandoned));
            assertTrue(errors.reports().isEmpty(), () -> "engine reported: " + errors.reports());
            assertEquals(0, s.allocationCount());
            assertEquals(0, s.allocated());
            assertEquals(0, StatsProbes.segments(s), "every segment emptied and given back");
            assertEquals(0, e.abandoned.count());
            if (!virtual) {
                assertTrue(SegmentProbes.abandonedEver(e.abandoned) > 0, "threads that ended abandoned segments");
                // Each round's threads reclaim the previous rounds' segments instead of mapping new ones.
                assertTrue(peakSegments <= 3L * THREADS, "peak segments " + peakSegments);
            } else {
                assertEquals(0, SegmentProbes.abandonedEver(e.abandoned), "virtual threads use the shared heaps");
                assertTrue(peakSegments <= HeapProbes.leaseCount(e.threads) * 2L, "peak segments " + peakSegments);
            }
        }
    }
}
