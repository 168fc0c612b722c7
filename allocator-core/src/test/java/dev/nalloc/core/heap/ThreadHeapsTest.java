package dev.nalloc.core.heap;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Mode;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestEngines;
import dev.nalloc.core.TestPolicies;
import dev.nalloc.core.TestThreads;
import dev.nalloc.core.stats.StatsSnapshot;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.ForwardingOsPrimitives;
import dev.nalloc.spi.HeapSelectionPolicy;
import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.core.stats.StatsProbes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a thread finds its heap ({@link ThreadHeaps}, {@link FastSlots}): collisions, thread churn,
 * retirement, leases of virtual threads and their take-over, and close, in every mode.
 */
class ThreadHeapsTest {

    private static TestEngines.View engine(Allocator a) {
        return TestEngines.of(a);
    }

    private static ThreadHeaps threads(Allocator a) {
        return engine(a).threads;
    }

    private static boolean onFastEntry(Allocator a, Thread t) {
        return FastSlots.getPlainOwner(FastSlots.index(t, threads(a).salt)) == t;
    }

    private static Allocator build(Mode mode) {
        return TestAllocators.builder().mode(mode).build();
    }

    /** Allocates, fills, checks and frees {@code n} blocks of mixed sizes; throws on a bad block. */
    private static void churn(Allocator a, int n, long seed) {
        long[] p = new long[32];
        long[] sz = new long[32];
        for (int i = 0; i < n; i++) {
            int k = i & 31;
            if (p[k] != 0) {
                if (!TestAllocators.check(p[k], sz[k], seed + k)) {
                    throw new AssertionError("block " + k + " changed under its owner");
                }
                a.free(p[k]);
            }
            sz[k] = 8 + (i * 37L % 1000);
            p[k] = a.malloc(sz[k]);
            TestAllocators.fill(p[k], sz[k], seed + k);
        }
        for (int k = 0; k < 32; k++) {
            if (p[k] != 0) {
                assertTrue(TestAllocators.check(p[k], sz[k], seed + k));
                a.free(p[k]);
            }
        }
    }

    /**
     * An instance made while every salt is held gets {@link FastSlots#NO_SALT}, which no instance
     * that enters entries holds, so its fast paths (which do not test for a salt) never match an
     * entry: its threads go through the second level, with their own heaps and checked blocks, while
     * a salted instance's threads are on their entries beside them.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void instanceWithoutSaltNeverMatchesAnEntry(Mode mode) throws Exception {
        Allocator salted = build(mode);
        List<Integer> taken = dev.nalloc.core.heap.FastSlotSalts.claimAll();
        Allocator saltless;
        try {
            assertTrue(taken.size() >= FastSlots.SIZE / 2, "most salts were free: " + taken.size());
            assertTrue(!taken.contains(FastSlots.NO_SALT), "NO_SALT is never handed out");
            assertTrue(taken.stream().noneMatch(x -> x == threads(salted).salt), "salts are unique");
            saltless = build(mode);
        } finally {
            dev.nalloc.core.heap.FastSlotSalts.releaseAll(taken);
        }
        try {
            assertEquals(FastSlots.NO_SALT, threads(saltless).salt);
            assertTrue(!threads(saltless).fast);
            int n = 4;
            CountDownLatch go = new CountDownLatch(1);
            TestThreads.Running[] workers = TestThreads.startAll(Thread.ofPlatform(), n, w -> {
                long seed = 77 + w;
                go.await();
                for (int round = 0; round < 20; round++) {
                    churn(salted, 500, seed);
                    churn(saltless, 500, seed + 1000);
                }
                Thread me = Thread.currentThread();
                assertTrue(onFastEntry(salted, me), "the salted instance's thread is on its entry");
                assertTrue(!onFastEntry(saltless, me), "no entry matches at NO_SALT");
            });
            go.countDown();
            TestThreads.joinAll(workers);
        } finally {
            saltless.close();
            salted.close();
        }
    }

    /**
     * An unstarted platform thread running {@code r} whose id gives the same entry as {@code t}'s (a
     * multiple of the table size apart): a thread's id is fixed when it is made, so the search makes
     * them unstarted ({@link TestThreads#unstarted}) and the caller starts the one returned.
     */
    private static TestThreads.Running collidingWith(Thread t, TestThreads.Task r) {
        List<TestThreads.Running> spent = new ArrayList<>();
        while (true) {
            TestThreads.Running c = TestThreads.unstarted(Thread.ofPlatform(), r);
            if (((c.thread().threadId() - t.threadId()) & FastSlots.MASK) == 0) {
                return c;
            }
            spent.add(c); // ids are taken at construction: keep them unreachable-but-made
            if (spent.size() > 2 * FastSlots.SIZE) {
                throw new IllegalStateException("no colliding thread id found");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void twoLiveThreadsOnOneEntryBothWorkAndTheFirstKeepsIt(Mode mode) throws Exception {
        try (Allocator a = build(mode)) {
            CountDownLatch firstIn = new CountDownLatch(1);
            CountDownLatch secondDone = new CountDownLatch(1);
            TestThreads.Running first = TestThreads.unstarted(Thread.ofPlatform(), () -> {
                try {
                    churn(a, 5000, 1);
                } finally {
                    firstIn.countDown(); // also when it failed: the second thread does not wait for nothing
                }
                secondDone.await();
                assertTrue(onFastEntry(a, Thread.currentThread()), "the first thread kept its entry");
                churn(a, 5000, 2);
            });
            TestThreads.Running second = collidingWith(first.thread(), () -> {
                try {
                    firstIn.await();
                    churn(a, 20_000, 3);
                    assertTrue(!onFastEntry(a, Thread.currentThread()), "a live thread's entry is never taken");
                    assertSame(Thread.currentThread(), threads(a).held().getPlainOwner(), "the second level serves it");
                } finally {
                    secondDone.countDown();
                }
            });
            first.thread().start();
            second.thread().start();
            TestThreads.joinAll(first, second);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void thousandsOfShortLivedThreadsReuseEntriesAndLeaveNothingBehind(Mode mode) throws Exception {
        try (Allocator a = build(mode)) {
            int rounds = 250;
            int perRound = 8;
            int peakEntries = 0;
            long peakSegments = 0;
            for (int r = 0; r < rounds; r++) {
                long round = r;
                TestThreads.runAll(Thread.ofPlatform(), perRound, i -> churn(a, 300, round * 100L + i));
                peakEntries = Math.max(peakEntries, threads(a).fastEntries());
                peakSegments = Math.max(peakSegments, StatsProbes.segments((StatsSnapshot) a.stats()));
            }
            a.collect(true); // finds the dead threads: their data retired, entries freed
            assertEquals(0, a.stats().allocationCount());
            assertTrue(engine(a).registry.size() <= 1, "every ended thread was retired (left: the collecting thread)");
            assertTrue(threads(a).fastEntries() <= 1, "entries of ended threads are freed: " + threads(a).fastEntries());
            // Entries are reused: a bounded number over 2000 threads, as are segments.
            assertTrue(peakEntries <= FastSlots.SIZE / 2, "peak entries " + peakEntries);
            assertTrue(peakSegments <= 4L * perRound, "peak segments " + peakSegments);
            assertTrue(threads(a).tableLength() <= 256, "second-level table " + threads(a).tableLength());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void threadDoneFreesTheEntryAndTheThreadMayGoOn(Mode mode) throws Exception {
        try (Allocator a = build(mode)) {
            TestThreads.runOnNewThread(() -> {
                Thread t = Thread.currentThread();
                long p = a.malloc(100);
                assertTrue(onFastEntry(a, t));
                HeapSlot before = threads(a).held();
                a.threadDone();
                assertTrue(!onFastEntry(a, t), "threadDone frees the entry");
                assertEquals(null, before.getPlainOwner(), "the retired slot names no thread");
                long q = a.malloc(100); // fresh thread data, a fresh entry
                assertTrue(onFastEntry(a, t));
                assertNotSame(before, threads(a).held());
                a.free(p);
                a.free(q);
            });
            a.collect(true);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void theClaimedSlotPassesOnWhenItsThreadIsDone(Mode mode) throws Exception {
        try (Allocator a = build(mode)) {
            TestThreads.runOnNewThread(() -> {
                a.free(a.malloc(64));
                assertSame(Thread.currentThread(), TestEngines.claimedOwner(a));
                a.threadDone();
            });
            a.free(a.malloc(64));
            assertSame(Thread.currentThread(), TestEngines.claimedOwner(a), "re-claimed by the next thread");
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aHundredThousandVirtualThreadsHandBlocksToEachOther(Mode mode) throws Exception {
        int vthreads = Integer.getInteger("nalloc.vthreads", 100_000);
        try (Allocator a = build(mode)) {
            LinkedBlockingQueue<long[]> handed = new LinkedBlockingQueue<>();
            AtomicInteger freedElsewhere = new AtomicInteger();
            TestThreads.runAll(Thread.ofVirtual(), vthreads, i -> {
                long seed = i;
                long[] mine = new long[6];
                for (int k = 0; k < mine.length; k++) {
                    mine[k] = a.malloc(16 + 40L * k);
                    TestAllocators.fill(mine[k], 16 + 40L * k, seed * 8 + k);
                }
                if ((seed & 7) == 0) {
                    Thread.yield(); // unmounted with live blocks: another thread may take the lease over
                }
                long[] other = handed.poll();
                if (other != null) { // made by another virtual thread: freed here
                    for (int k = 0; k < 3; k++) {
                        if (!TestAllocators.check(other[k + 1], 16 + 40L * k, other[0] * 8 + k)) {
                            throw new AssertionError("a handed block changed");
                        }
                        a.free(other[k + 1]);
                        freedElsewhere.incrementAndGet();
                    }
                }
                handed.add(new long[]{seed, mine[0], mine[1], mine[2]});
                for (int k = 3; k < mine.length; k++) {
                    if (!TestAllocators.check(mine[k], 16 + 40L * k, seed * 8 + k)) {
                        throw new AssertionError("a block changed under its owner");
                    }
                    a.free(mine[k]);
                }
            });
            for (long[] rest : handed) { // freed by a platform thread
                for (int k = 0; k < 3; k++) {
                    assertTrue(TestAllocators.check(rest[k + 1], 16 + 40L * k, rest[0] * 8 + k));
                    a.free(rest[k + 1]);
                }
            }
            assertTrue(freedElsewhere.get() > 0);
            assertEquals(0, a.stats().allocationCount());
            ThreadHeaps th = threads(a);
            assertTrue(th.leaseCount() <= th.maxLeases(), "leases " + th.leaseCount());
            assertEquals(0, engine(a).registry.size(), "no virtual thread got data of its own");
            a.collect(true);
            assertEquals(0, StatsProbes.segments((StatsSnapshot) a.stats()), "every lease's pages emptied and given back");
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aLeaseOfAParkedThreadIsTakenOverAndItsHolderMovesOn(Mode mode) throws Exception {
        // One shared heap, at most one: the second thread must take the first one's over.
        var policy = TestPolicies.sharedOnly(1, 2);
        try (Allocator a = TestAllocators.builder().mode(mode).heapSelectionPolicy(policy).build()) {
            CountDownLatch parked = new CountDownLatch(1);
            long[] firstBlock = new long[1];
            HeapSlot[] firstLease = new HeapSlot[1];
            TestThreads.Running first = TestThreads.start(Thread.ofVirtual(), () -> {
                firstBlock[0] = a.malloc(64);
                TestAllocators.fill(firstBlock[0], 64, 7);
                firstLease[0] = threads(a).held();
                parked.countDown();
                LockSupport.park(); // idle with its lease: it may be taken over
                long q = a.malloc(64); // its next call finds it gone and takes a lease again
                TestAllocators.fill(q, 64, 8);
                assertTrue(TestAllocators.check(firstBlock[0], 64, 7));
                assertTrue(TestAllocators.check(q, 64, 8));
                a.free(q);
                a.free(firstBlock[0]);
            });
            parked.await();
            while (first.thread().getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
            }
            TestThreads.Running second = TestThreads.start(Thread.ofVirtual(), () -> {
                churn(a, 2000, 11);
                assertSame(firstLease[0], threads(a).held(), "the parked holder's lease was taken over");
            });
            second.thread().join();
            LockSupport.unpark(first.thread());
            TestThreads.joinAll(first, second);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    /**
     * A lease whose holder has ended is taken in one step (no marker, no second look): the next
     * thread gets it, the ended holder's {@link FastSlots} entry is emptied, and the blocks the ended
     * holder left in the heap are intact and freed by the new holder.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void aLeaseOfAnEndedHolderIsTakenInOneStepAndItsEntryEmptied(Mode mode) throws Exception {
        var policy = TestPolicies.sharedOnly(1, 1); // one lease: every thread takes the last one's
        try (Allocator a = TestAllocators.builder().mode(mode).heapSelectionPolicy(policy).build()) {
            HeapSlot[] lease = new HeapSlot[2];
            long[] left = new long[40];
            TestThreads.Running first = TestThreads.start(Thread.ofVirtual(), () -> {
                for (int k = 0; k < left.length; k++) {
                    long size = 16 + 24L * k;
                    left[k] = a.malloc(size);
                    TestAllocators.fill(left[k], size, 300 + k);
                }
                lease[0] = threads(a).held();
            });
            first.join();
            assertTrue(onFastEntry(a, first.thread()), "an ended holder keeps its entry until its lease is taken");
            TestThreads.runOn(Thread.ofVirtual(), () -> {
                long p = a.malloc(64); // the first call takes the lease over
                lease[1] = threads(a).held();
                assertTrue(onFastEntry(a, Thread.currentThread()), "the new holder is on its entry");
                for (int k = 0; k < left.length; k++) {
                    long size = 16 + 24L * k;
                    assertTrue(TestAllocators.check(left[k], size, 300 + k), "a block of the ended holder changed");
                    a.free(left[k]);
                }
                a.free(p);
            });
            assertSame(lease[0], lease[1], "the ended holder's lease was taken over");
            assertTrue(!onFastEntry(a, first.thread()), "the ended holder's entry was emptied");
            assertEquals(0, a.stats().allocationCount());
        }
    }

    /**
     * Short virtual threads on few leases, so that nearly every lease is taken from a holder that
     * just ended (or, with the yields, from a parked one): blocks handed between the threads with
     * checkable contents, freed on other virtual threads and at the end on a platform thread; and
     * then, on a fresh instance, a close at a random moment while such threads run: every call
     * completes or throws {@code IllegalStateException}, contents change only once the close began,
     * and no entry of the closed instance is left in the process-wide table.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void shortVirtualThreadsOnFewLeasesAndACloseRacingThem(Mode mode) throws Exception {
        int vthreads = Integer.getInteger("nalloc.vthreads", 100_000) / 5;
        var policy = TestPolicies.sharedOnly(2, 3);
        try (Allocator a = TestAllocators.builder().mode(mode).heapSelectionPolicy(policy).build()) {
            ConcurrentLinkedQueue<long[]> handed = new ConcurrentLinkedQueue<>();
            AtomicInteger freedElsewhere = new AtomicInteger();
            TestThreads.runAll(Thread.ofVirtual(), vthreads, i -> {
                handOn(a, handed, i, freedElsewhere, null);
            });
            for (long[] rest : handed) {
                assertTrue(checkHanded(rest));
                for (int k = 0; k < 3; k++) {
                    a.free(rest[k + 1]);
                }
            }
            assertTrue(freedElsewhere.get() > 0);
            assertEquals(0, a.stats().allocationCount());
            assertTrue(threads(a).leaseCount() <= 3);
            assertEquals(0, engine(a).registry.size(), "no virtual thread got data of its own");
        }
        java.util.Random random = new java.util.Random(15);
        for (int round = 0; round < 20; round++) {
            Allocator a = TestAllocators.builder().mode(mode).heapSelectionPolicy(policy).build();
            AtomicInteger closing = new AtomicInteger();
            ConcurrentLinkedQueue<long[]> handed = new ConcurrentLinkedQueue<>();
            int n = 400;
            TestThreads.Running[] running = TestThreads.startAll(Thread.ofVirtual(), n, i -> {
                try {
                    handOn(a, handed, i, new AtomicInteger(), closing);
                } catch (IllegalStateException e) {
                    // the close won the race with this call
                }
            });
            Thread.sleep(random.nextInt(3));
            closing.set(1);
            a.close();
            try {
                TestThreads.joinAll(running);
            } catch (AssertionError e) {
                throw new AssertionError("round " + round, e);
            }
            assertEquals(0, threads(a).fastEntries(), "no entry of the closed instance is left");
            TestThreads.runOn(Thread.ofVirtual(), () -> assertThrows(IllegalStateException.class, () -> a.malloc(64)));
        }
    }

    /** One short task of {@link #shortVirtualThreadsOnFewLeasesAndACloseRacingThem}; contents may change only once {@code closing} is set. */
    private static void handOn(Allocator a, ConcurrentLinkedQueue<long[]> handed, long seed, AtomicInteger freedElsewhere,
                               AtomicInteger closing) {
        long[] mine = new long[6];
        for (int k = 0; k < mine.length; k++) {
            mine[k] = a.malloc(16 + 40L * k);
            TestAllocators.fill(mine[k], 16 + 40L * k, seed * 8 + k);
        }
        if ((seed & 15) == 0) {
            Thread.yield(); // unmounted with live blocks: its lease may be taken from it while it is parked
        }
        long[] other = handed.poll();
        if (other != null) {
            if (!checkHanded(other) && (closing == null || closing.get() == 0)) {
                throw new AssertionError("a handed block changed");
            }
            for (int k = 0; k < 3; k++) {
                a.free(other[k + 1]);
                freedElsewhere.incrementAndGet();
            }
        }
        handed.add(new long[]{seed, mine[0], mine[1], mine[2]});
        for (int k = 3; k < mine.length; k++) {
            if (!TestAllocators.check(mine[k], 16 + 40L * k, seed * 8 + k) && (closing == null || closing.get() == 0)) {
                throw new AssertionError("a block changed under its owner");
            }
            a.free(mine[k]);
        }
    }

    private static boolean checkHanded(long[] h) {
        for (int k = 0; k < 3; k++) {
            if (!TestAllocators.check(h[k + 1], 16 + 40L * k, h[0] * 8 + k)) {
                return false;
            }
        }
        return true;
    }

    /** Two shared heaps, virtual threads named "B" start looking at the second; nobody owns a heap. */
    private static final HeapSelectionPolicy TWO_LEASES = TestPolicies.of(t -> false, 2, 16, t -> "B".equals(t.getName()) ? 1 : 0);

    /** The real OS layer, with the OS thread each test thread pretends to run on (its "carrier"). */
    private static final class PretendCarriers extends ForwardingOsPrimitives {
        final Map<Thread, Long> carriers = new ConcurrentHashMap<>();
        volatile boolean failing;

        PretendCarriers() {
            super(OsPrimitives.best());
        }

        /** A platform thread that pretends to run on {@code carrier} (started; made unstarted so that it is known first). */
        TestThreads.Running platform(String name, long carrier, TestThreads.Task task) {
            TestThreads.Running t = TestThreads.unstarted(Thread.ofPlatform().name(name), task);
            carriers.put(t.thread(), carrier);
            t.thread().start();
            return t;
        }

        @Override
        public long osThreadId() {
            if (failing) {
                throw new IllegalStateException("osThreadId failed on purpose");
            }
            return carriers.getOrDefault(Thread.currentThread(), 0L);
        }
    }

    /** A virtual thread that pretends to run on {@code carrier} (started; made unstarted so that it is known first). */
    private static TestThreads.Running onCarrier(PretendCarriers os, String name, long carrier, TestThreads.Task task) {
        TestThreads.Running t = TestThreads.unstarted(Thread.ofVirtual().name(name), task);
        os.carriers.put(t.thread(), carrier);
        t.thread().start();
        return t;
    }

    /**
     * A virtual thread first tries the lease last taken on its carrier (the heap whose pages that
     * core has in its caches, as mimalloc's per-OS-thread heap), not the one taken most recently
     * anywhere, which it would get otherwise.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void aVirtualThreadTakesTheLeaseLastTakenOnItsCarrier(Mode mode) throws Exception {
        PretendCarriers os = new PretendCarriers();
        try (Allocator a = TestAllocators.builder().mode(mode).os(os).heapSelectionPolicy(TWO_LEASES).build()) {
            HeapSlot[] got = new HeapSlot[4];
            CountDownLatch aHolds = new CountDownLatch(1);
            CountDownLatch bDone = new CountDownLatch(1);
            TestThreads.Running ta = onCarrier(os, "A", 7, () -> {
                try {
                    a.free(a.malloc(64));
                    got[0] = threads(a).held();
                } finally {
                    aHolds.countDown(); // also when it failed: the test goes on to the join that reports it
                }
                bDone.await(); // keeps its lease while B takes the other one
            });
            aHolds.await();
            TestThreads.Running tb = onCarrier(os, "B", 9, () -> {
                a.free(a.malloc(64));
                got[1] = threads(a).held();
            });
            tb.thread().join(); // what it threw comes out of the joinAll below, after A is let go
            bDone.countDown();
            TestThreads.joinAll(ta, tb);
            // B's lease was taken last: without the carrier's hint it is the one C would get.
            onCarrier(os, "C", 7, () -> {
                a.free(a.malloc(64));
                got[2] = threads(a).held();
            }).join();
            onCarrier(os, "D", 9, () -> {
                a.free(a.malloc(64));
                got[3] = threads(a).held();
            }).join();
            assertNotSame(got[0], got[1], "A and B held two leases at once");
            assertSame(got[0], got[2], "C runs on A's carrier: A's lease");
            assertSame(got[1], got[3], "D runs on B's carrier: B's lease");
            assertEquals(0, a.stats().allocationCount());
        }
    }

    /**
     * A holder whose fast entry is gone (here: removed, as an eviction does) comes to the slow path
     * and takes the lease last taken on its carrier first, when that one's holder has ended, before it
     * looks for the lease it holds (that look reads every lease's owner: other carriers' lines). It
     * then holds two: its calls use the new one, a block of the old one is freed the remote way and
     * stays intact until then, and {@code threadDone} gives both back.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void aHolderWithoutItsEntryTakesItsCarriersLeaseFirstAndMayHoldTwo(Mode mode) throws Exception {
        PretendCarriers os = new PretendCarriers();
        try (Allocator a = TestAllocators.builder().mode(mode).os(os).heapSelectionPolicy(TWO_LEASES).build()) {
            HeapSlot[] got = new HeapSlot[3];
            CountDownLatch aHolds = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicBoolean xDone = new java.util.concurrent.atomic.AtomicBoolean();
            boolean[] bothHeld = new boolean[1];
            boolean[] bothGiven = new boolean[1];
            TestThreads.Running ta = os.platform("A", 7, () -> {
                long kept;
                try {
                    kept = a.malloc(64);
                    TestAllocators.fill(kept, 64, 41);
                    got[0] = threads(a).held();
                } finally {
                    aHolds.countDown(); // also when it failed: the test goes on to the join that reports it
                }
                while (!xDone.get()) {
                    Thread.onSpinWait(); // runnable, never idle: X cannot take A's lease
                }
                FastSlots.remove(got[0], Thread.currentThread()); // as an eviction: only the full search finds it
                long p = a.malloc(64);
                got[2] = threads(a).held();
                bothHeld[0] = got[0].getVolatileOwner() == Thread.currentThread()
                        && got[2].getVolatileOwner() == Thread.currentThread();
                assertTrue(TestAllocators.check(kept, 64, 41), "a block of the first lease changed");
                a.free(kept); // a block of the other lease: freed the remote way
                a.free(p);
                a.threadDone();
                bothGiven[0] = got[0].getVolatileOwner() == null && got[2].getVolatileOwner() == null;
            });
            aHolds.await();
            TestThreads.Running tx = os.platform("X", 7, () -> {
                a.free(a.malloc(64)); // A's lease is held by a running thread: X takes the other one
                got[1] = threads(a).held();
            });
            tx.thread().join(); // what it threw comes out of the joinAll below, after A is let go
            xDone.set(true);
            TestThreads.joinAll(ta, tx);
            assertNotSame(got[0], got[1], "X took the lease A did not hold");
            assertSame(got[1], got[2], "A took the lease last taken on its carrier (X's, X has ended)");
            assertTrue(bothHeld[0], "A held both leases for a while");
            assertTrue(bothGiven[0], "threadDone gave both back");
            assertEquals(0, a.stats().allocationCount());
        }
    }

    /** The carrier is a hint: an OS layer that cannot say (or fails saying) costs no allocation. */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void anOsLayerFailingToNameItsThreadCostsOnlyTheHint(Mode mode) throws Exception {
        PretendCarriers os = new PretendCarriers();
        try (Allocator a = TestAllocators.builder().mode(mode).os(os).heapSelectionPolicy(TWO_LEASES).build()) {
            os.failing = true;
            TestThreads.runAll(Thread.ofVirtual(), 50, i -> churn(a, 200, i));
            assertEquals(0, a.stats().allocationCount());
        }
    }

    /**
     * A holder that blocks inside a slow path (here: in the error handler, called while it reports a
     * request too large to serve) is not idle: its lease is not taken over, whatever its thread state says.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void aHolderBlockedInsideASlowPathKeepsItsLease(Mode mode) throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ErrorHandler blocking = new ErrorHandler() {
            @Override
            public void onError(ErrorKind kind, long address, String message) {
                if (Thread.currentThread().isVirtual() && kind == ErrorKind.OUT_OF_MEMORY) {
                    inHandler.countDown();
                    try {
                        release.await(); // parks the virtual thread inside the allocator's call
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        var policy = TestPolicies.of(t -> !t.isVirtual(), 1, 2, t -> 0);
        try (Allocator a = TestAllocators.builder().mode(mode).heapSelectionPolicy(policy).errorHandler(blocking).build()) {
            HeapSlot[] held = new HeapSlot[2];
            TestThreads.Running first = TestThreads.start(Thread.ofVirtual(), () -> {
                long p = a.malloc(64);
                held[0] = threads(a).held();
                assertEquals(0, a.malloc(1L << 62)); // reported (and blocked in the handler) inside malloc's slow path
                assertSame(held[0], threads(a).held());
                a.free(p);
            });
            inHandler.await();
            while (first.thread().getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
            }
            TestThreads.Running second = TestThreads.start(Thread.ofVirtual(), () -> {
                churn(a, 500, 5);
                held[1] = threads(a).held();
            });
            second.thread().join();
            release.countDown();
            TestThreads.joinAll(first, second);
            assertNotSame(held[0], held[1], "the blocked holder's lease was left alone");
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void afterCloseEveryThreadsNextCallThrows(Mode mode) throws Exception {
        Allocator a = build(mode);
        int n = 6;
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch closed = new CountDownLatch(1);
        ConcurrentLinkedQueue<Throwable> outcomes = new ConcurrentLinkedQueue<>();
        TestThreads.Running[] ts = new TestThreads.Running[n];
        for (int i = 0; i < n; i++) {
            Thread.Builder b = i % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
            ts[i] = TestThreads.start(b, () -> {
                a.free(a.malloc(64)); // on its fast path: an entry, or a lease
                ready.countDown();
                try {
                    closed.await();
                    a.malloc(64);
                    outcomes.add(new AssertionError("malloc after close returned"));
                } catch (Throwable e) {
                    outcomes.add(e);
                }
            });
        }
        ready.await();
        a.close();
        closed.countDown();
        TestThreads.joinAll(ts);
        assertEquals(n, outcomes.size());
        for (Throwable e : outcomes) {
            assertTrue(e instanceof IllegalStateException, String.valueOf(e));
        }
        assertEquals(0, threads(a).fastEntries(), "close cleared every entry");
        assertThrows(IllegalStateException.class, () -> a.free(12345L));
    }
}
