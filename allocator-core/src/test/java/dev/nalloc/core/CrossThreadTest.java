package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.core.heap.FastSlots;
import dev.nalloc.core.heap.ThreadHeaps;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.heap.HeapProbes;
import dev.nalloc.core.stats.StatsProbes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(FreshAllocator.class)
class CrossThreadTest {

    @FreshAllocator.Fresh
    private Allocator a;

    private static void run(Runnable r) throws InterruptedException {
        TestThreads.runOnNewThread(r::run);
    }

    @Test
    void blocksOfEveryBinAndHugeAreFreeableOnAnotherThread() throws Exception {
        List<long[]> blocks = new ArrayList<>(); // {address, size}
        for (int bin = 1; bin < SizeClasses.BIN_HUGE; bin += (SizeClasses.binSize(bin) > (1 << 20) ? 4 : 1)) {
            long size = SizeClasses.binSize(bin);
            for (int k = 0; k < 3; k++) {
                long p = a.malloc(size);
                TestAllocators.fill(p, Math.min(size, 4096), bin + k);
                blocks.add(new long[]{p, size, bin + k});
            }
        }
        long huge = a.malloc(Layout.LARGE_OBJ_SIZE_MAX + 1);
        blocks.add(new long[]{huge, Layout.LARGE_OBJ_SIZE_MAX + 1, 0});
        long alignedHuge = a.mallocAligned(100, 64L << 20);
        blocks.add(new long[]{alignedHuge, 100, 1});
        TestAllocators.fill(huge, 4096, 0);
        TestAllocators.fill(alignedHuge, 100, 1);
        long liveBefore = a.stats().allocationCount();
        assertEquals(blocks.size(), liveBefore);
        long hugeSegments = StatsProbes.hugeSegments((dev.nalloc.core.stats.StatsSnapshot) a.stats());
        assertEquals(2, hugeSegments);
        run(() -> {
            for (long[] b : blocks) {
                assertTrue(TestAllocators.check(b[0], Math.min(b[1], 4096), b[2]), "contents seen by the other thread");
                a.free(b[0]);
            }
        });
        assertEquals(0, a.stats().allocationCount());
        assertEquals(0, StatsProbes.hugeSegments((dev.nalloc.core.stats.StatsSnapshot) a.stats()), "huge segments freed remotely");
        a.collect(true);
        HeapProbes.checkInvariants(((NallocHeap) a.heap()).localHeap());
        assertEquals(0, HeapProbes.pageCount(((NallocHeap) a.heap()).localHeap()), "remote frees collected, pages freed");
    }

    @Test
    void remoteFreesIntoFullPagesComeBackThroughTheDelayedList() throws Exception {
        int n = 5000;
        long[] ps = new long[n];
        for (int i = 0; i < n; i++) {
            ps[i] = a.malloc(48); // fills many pages, most of them end up in the full queue
        }
        run(() -> {
            for (int i = 0; i < n; i += 2) {
                a.free(ps[i]);
            }
        });
        // The owner finds the freed blocks again: allocating does not need new pages.
        long segments = StatsProbes.segments((dev.nalloc.core.stats.StatsSnapshot) a.stats());
        for (int i = 0; i < n; i += 2) {
            ps[i] = a.malloc(48);
        }
        assertEquals(segments, StatsProbes.segments((dev.nalloc.core.stats.StatsSnapshot) a.stats()));
        HeapProbes.checkInvariants(((NallocHeap) a.heap()).localHeap());
        for (long p : ps) {
            a.free(p);
        }
        assertEquals(0, a.stats().allocationCount());
    }

    @Test
    void blocksOfADeadThreadStayFreeable() throws Exception {
        long[] ps = new long[1000];
        run(() -> {
            for (int i = 0; i < ps.length; i++) {
                ps[i] = a.malloc(16 + (i % 40) * 40);
                TestAllocators.fill(ps[i], 16, i);
            }
        });
        for (int i = 0; i < ps.length; i++) {
            assertTrue(TestAllocators.check(ps[i], 16, i));
            assertTrue(a.usableSize(ps[i]) >= 16);
            a.free(ps[i]);
        }
        assertEquals(0, a.stats().allocationCount());
    }

    @Test
    void everyThreadGetsItsOwnDefaultHeap() throws Exception {
        long mine = a.malloc(64);
        long[] theirs = new long[2];
        dev.nalloc.api.Heap[] theirHeap = new dev.nalloc.api.Heap[1];
        run(() -> {
            theirs[0] = a.malloc(64);
            theirHeap[0] = a.heap();
            assertTrue(a.heap().contains(theirs[0]));
            assertTrue(!a.heap().contains(mine));
            a.threadDone();
        });
        assertTrue(a.heap() != theirHeap[0]);
        assertTrue(a.heap().contains(mine));
        assertTrue(!a.heap().contains(theirs[0]));
        a.threadDone(); // retires this thread's data: its slot names no thread any more
        run(() -> {
            theirs[1] = a.malloc(64);
            assertTrue(a.heap().contains(theirs[1]));
        });
        // threadDone retired this thread's heap (mi_thread_done): a fresh one serves it now, and the
        // old block, in an abandoned segment, stays valid and freeable.
        assertTrue(!a.heap().contains(mine), "threadDone gave this thread a fresh heap");
        a.free(mine);
        a.free(theirs[0]);
        a.free(theirs[1]);
        assertEquals(0, a.stats().allocationCount());
    }

    @Test
    void everyAllocatingThreadIsOnTheFastPath() throws Exception {
        NallocAllocator n = (NallocAllocator) a;
        ThreadHeaps threads = n.threads;
        a.free(a.malloc(64));
        run(() -> {
            a.free(a.malloc(64));
            Thread t = Thread.currentThread();
            assertSame(t, FastSlots.getPlainOwner(FastSlots.index(t, threads.salt)), "a second thread is on the fast path too");
            assertSame(n.localHeap().tld.slot(), threads.held());
        });
        Thread t = Thread.currentThread();
        assertSame(t, n.claimed.getPlainOwner(), "the first thread holds the claimed slot");
        assertSame(t, FastSlots.getPlainOwner(FastSlots.index(t, threads.salt)));
        assertSame(n.localHeap(), threads.held().heap);
    }

    @Test
    void threadDoneCollectsAndTheThreadMayContinue() throws Exception {
        run(() -> {
            long p = a.malloc(100);
            a.free(p);
            a.threadDone();
            long q = a.malloc(100);
            a.free(q);
        });
        assertEquals(0, a.stats().allocationCount());
    }

    @Test
    void collectOnOneThreadWhileAnotherFreesItsBlocksIsSafe() throws Exception {
        Heap h = a.heap();
        int n = 20_000;
        long[] ps = new long[n];
        for (int i = 0; i < n; i++) {
            ps[i] = a.malloc(32 + (i % 8) * 32);
        }
        CountDownLatch go = new CountDownLatch(1);
        TestThreads.Running freer = TestThreads.start(() -> {
            go.await();
            for (long p : ps) {
                a.free(p);
            }
        });
        go.countDown();
        for (int i = 0; i < 200; i++) {
            a.collect(i % 10 == 0);
            a.free(a.malloc(64));
        }
        freer.join();
        h.collect(true);
        HeapProbes.checkInvariants(((NallocHeap) h).localHeap());
        assertEquals(0, a.stats().allocationCount());
    }

    /** Four threads allocate patterned blocks of mixed sizes, swap them through a shared array and
     * verify and free what they take: every remote-free path under contention. */
    @Test
    void stressFourThreadsExchangingBlocks() throws Exception {
        int threads = 4;
        int slots = 4096;
        int rounds = 60_000;
        AtomicLongArray shared = new AtomicLongArray(slots * 2); // address, seed*2^32 | size
        AtomicLong failures = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        TestThreads.Running[] ts = TestThreads.startAll(Thread.ofPlatform(), threads, id -> {
            start.await();
            java.util.SplittableRandom r = new java.util.SplittableRandom(id * 7919L);
            for (int i = 0; i < rounds; i++) {
                int kind = r.nextInt(1000);
                long size = kind < 900 ? 1 + r.nextInt(512) : kind < 990 ? 513 + r.nextInt(60_000)
                        : kind < 999 ? 70_000 + r.nextInt(2 << 20) : (17L << 20) + r.nextInt(1 << 20);
                long p = r.nextBoolean() ? a.malloc(size) : a.zalloc(size);
                if (p == 0) {
                    throw new AssertionError("out of memory for " + size);
                }
                long seed = r.nextInt(1 << 20);
                long checked = Math.min(size, 256);
                TestAllocators.fill(p, checked, seed);
                int slot = r.nextInt(slots);
                long old;
                long oldMeta;
                synchronized (shared) { // keeps address and metadata of a slot together
                    old = shared.get(slot * 2);
                    oldMeta = shared.get(slot * 2 + 1);
                    shared.set(slot * 2, p);
                    shared.set(slot * 2 + 1, (seed << 32) | checked);
                }
                if (old != 0) {
                    if (!TestAllocators.check(old, oldMeta & 0xffff_ffffL, oldMeta >>> 32)) {
                        failures.incrementAndGet();
                    }
                    a.free(old);
                }
            }
        });
        start.countDown();
        TestThreads.joinAll(ts);
        assertEquals(0, failures.get(), "blocks were corrupted");
        for (int s = 0; s < slots; s++) {
            long p = shared.get(s * 2);
            if (p != 0) {
                long meta = shared.get(s * 2 + 1);
                assertTrue(TestAllocators.check(p, meta & 0xffff_ffffL, meta >>> 32));
                a.free(p);
            }
        }
        assertEquals(0, a.stats().allocationCount());
        assertEquals(0, a.stats().allocated());
        a.collect(true);
        HeapProbes.checkInvariants(((NallocHeap) a.heap()).localHeap());
    }

    @Test
    void producerConsumerThroughAQueue() throws Exception {
        BlockingQueue<Long> q = new ArrayBlockingQueue<>(1024);
        int n = 100_000;
        TestThreads.Running consumer = TestThreads.start(() -> {
            for (int i = 0; i < n; i++) {
                long p = q.take();
                if (!TestAllocators.check(p, 32, p)) {
                    throw new AssertionError("corrupt block");
                }
                a.free(p);
            }
        });
        for (int i = 0; i < n; i++) {
            long p = a.malloc(32 + (i % 4) * 100);
            TestAllocators.fill(p, 32, p);
            q.put(p);
        }
        consumer.join();
        assertNull(q.poll());
        assertEquals(0, a.stats().allocationCount());
        a.collect(true);
        HeapProbes.checkInvariants(((NallocHeap) a.heap()).localHeap());
    }
}
