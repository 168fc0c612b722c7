package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Option;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.core.heap.HeapProbes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A seeded stress test of the cross-thread paths: 4 threads (on however few cores) exchange blocks
 * through a shared mailbox and allocate, realloc (across small, medium, large and huge) and free
 * them on whichever thread takes them. Every block carries its size, a tag and a pattern derived
 * from the tag, checked before every realloc and free, so a block handed out twice, a free list
 * linked into a live block or a lost remote free shows up as a corrupted block, an engine error
 * or a wrong live count. Pages are retired and reused (the mailbox is emptied every other epoch,
 * and with {@code purge_delay=0} empty segments go straight back to the arena and are taken by
 * other threads), first-class heaps are deleted while their blocks are freed elsewhere, heaps and
 * arenas are destroyed, and every epoch runs on fresh threads (some end with {@code threadDone},
 * some just die holding the slot), so blocks of dead threads are freed too.
 *
 * <p>The normal run takes a few seconds. For a soak run by hand:
 * {@code -Dnalloc.stress.epochs=400} (passed through {@code -Dnalloc.test.jvmArgs=...}, or on the
 * surefire command line with {@code -DargLine}).
 */
class CrossThreadStressTest {

    private static final int THREADS = Integer.getInteger("nalloc.stress.threads", 4);
    private static final int SLOTS = 2048;
    private static final int OPS_PER_EPOCH = Integer.getInteger("nalloc.stress.ops", 12_000);
    private static final int EPOCHS = Integer.getInteger("nalloc.stress.epochs", 8);
    private static final long EPOCH_TIMEOUT_SECONDS = 120;
    private static final long HEADER = 16; // size and tag
    private static final long CHECKED = 256; // bytes of pattern checked per block

    @ParameterizedTest(name = "purge_delay={0}")
    @ValueSource(longs = {0, 10})
    void blocksStayIntactWhileThreadsExchangeReallocAndFreeThem(long purgeDelay) throws Exception {
        ErrorHandler.Capturing errors = new ErrorHandler.Capturing();
        Allocator a = TestAllocators.builder().errorHandler(errors)
                .option(Option.PURGE_DELAY, purgeDelay)
                .option(Option.GENERIC_COLLECT, 64) // heap collects (freeing empty pages) often
                .build();
        try {
            AtomicLongArray mailbox = new AtomicLongArray(SLOTS);
            AtomicLong nextTag = new AtomicLong(1);
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                runEpoch(a, mailbox, epoch, purgeDelay, nextTag);
                assertTrue(errors.reports().isEmpty(), () -> "engine reported: " + errors.reports());
            }
            for (int s = 0; s < SLOTS; s++) {
                long p = mailbox.getAndSet(s, 0);
                if (p != 0) {
                    verify(p);
                    a.free(p);
                }
            }
            assertTrue(errors.reports().isEmpty(), () -> "engine reported: " + errors.reports());
            assertEquals(0, a.stats().allocationCount(), "live blocks after freeing everything");
            assertEquals(0, a.stats().allocated(), "live bytes after freeing everything");
            a.collect(true);
            HeapProbes.checkInvariants(((NallocHeap) a.heap()).localHeap());
        } finally {
            a.close();
        }
    }

    /**
     * One epoch on fresh threads; every other epoch ends with the mailbox emptied (pages retire).
     * Fails with what a thread threw, or when one hangs (a cyclic free list?).
     */
    private static void runEpoch(Allocator a, AtomicLongArray mailbox, int epoch, long purgeDelay, AtomicLong nextTag)
            throws Exception {
        CyclicBarrier done = new CyclicBarrier(THREADS);
        boolean drain = epoch % 2 == 1;
        // daemons: a worker stuck in a corrupt (cyclic) list must not keep the JVM alive
        TestThreads.Running[] threads = TestThreads.startAll(Thread.ofPlatform().daemon(true).name("stress-" + epoch + "-", 0),
                THREADS, id -> {
                    long seed = purgeDelay * 1_000_003L + epoch * 7919L + id;
                    Throwable failed = null;
                    try {
                        new Worker(a, mailbox, new SplittableRandom(seed), nextTag).run(OPS_PER_EPOCH);
                    } catch (Throwable e) {
                        failed = e; // still at the barrier, so the others do not wait for this thread
                    }
                    done.await(60, TimeUnit.SECONDS); // everyone stops allocating before the drain
                    if (drain) {
                        for (int s = id; s < SLOTS; s += THREADS) {
                            long p = mailbox.getAndSet(s, 0);
                            if (p != 0) {
                                verify(p);
                                a.free(p);
                            }
                        }
                    }
                    if ((seed & 1) == 0) {
                        a.threadDone(); // the others die holding whatever they hold, the slot included
                    }
                    if (failed != null) {
                        throw new AssertionError("stress failed (epoch " + epoch + " of " + EPOCHS + ")", failed);
                    }
                });
        TestThreads.joinAll(Duration.ofSeconds(EPOCH_TIMEOUT_SECONDS), threads);
    }

    /** The operations of one thread. */
    private static final class Worker {
        private final Allocator a;
        private final AtomicLongArray mailbox;
        private final SplittableRandom r;
        private final AtomicLong nextTag;

        Worker(Allocator a, AtomicLongArray mailbox, SplittableRandom r, AtomicLong nextTag) {
            this.a = a;
            this.mailbox = mailbox;
            this.r = r;
            this.nextTag = nextTag;
        }

        void run(int ops) {
            for (int i = 0; i < ops; i++) {
                int op = r.nextInt(1000);
                if (op < 450) {
                    deposit(allocate(size()));
                } else if (op < 650) {
                    long p = mailbox.getAndSet(r.nextInt(SLOTS), 0);
                    if (p != 0) {
                        verify(p);
                        long size = size();
                        long q = a.realloc(p, size);
                        if (q == 0) {
                            throw new AssertionError("realloc to " + size + " failed");
                        }
                        verifyMoved(q, Math.min(Mem.load(q), size)); // the old contents as far as they fit
                        stamp(q, size);
                        deposit(q);
                    }
                } else if (op < 960) {
                    long p = mailbox.getAndSet(r.nextInt(SLOTS), 0);
                    if (p != 0) {
                        verify(p);
                        a.free(p);
                    }
                } else if (op < 975) {
                    firstClassHeap();
                } else if (op < 990) {
                    arena();
                } else if (op < 998) {
                    a.collect(false);
                } else {
                    a.collect(true);
                }
            }
        }

        /** Mostly small, then medium, large, and now and then huge (over 16 MiB). */
        long size() {
            int k = r.nextInt(1000);
            if (k < 700) {
                return HEADER + r.nextInt(1024);
            } else if (k < 930) {
                return 1024 + r.nextInt(64 * 1024);
            } else if (k < 998) {
                return 64 * 1024 + r.nextInt(2 << 20);
            }
            return (16L << 20) + r.nextInt(1 << 20);
        }

        long allocate(long size) {
            int how = r.nextInt(10);
            long p;
            if (how < 5) {
                p = a.malloc(size);
            } else if (how < 7) {
                p = a.zalloc(size);
                checkZero(p, size);
            } else if (how < 8) {
                p = a.calloc(size / 8 + 1, 8);
                checkZero(p, size);
            } else {
                long alignment = 16L << r.nextInt(9); // 16 B .. 4 KiB: interior (aligned) blocks too
                p = a.mallocAligned(size, alignment);
                if (p != 0 && (p & (alignment - 1)) != 0) {
                    throw new AssertionError("0x" + Long.toHexString(p) + " is not aligned to " + alignment);
                }
            }
            if (p == 0) {
                throw new AssertionError("out of memory for " + size + " bytes");
            }
            if (a.usableSize(p) < size) {
                throw new AssertionError("usable size " + a.usableSize(p) + " < " + size);
            }
            stamp(p, size);
            return p;
        }

        private static void checkZero(long p, long size) {
            if (p != 0 && !TestAllocators.isZero(p, Math.min(size, CHECKED))) {
                throw new AssertionError("zeroed block 0x" + Long.toHexString(p) + " is not zero: handed out twice?");
            }
        }

        void stamp(long p, long size) {
            long tag = nextTag.getAndIncrement();
            Mem.store(p, size);
            Mem.store(p + 8, tag);
            TestAllocators.fill(p + HEADER, Math.min(size, CHECKED) - HEADER, tag);
            if (size > CHECKED) {
                Mem.storeByte(p + size - 1, (byte) tag); // the last byte, beyond the checked pattern
            }
        }

        void deposit(long p) {
            long old = mailbox.getAndSet(r.nextInt(SLOTS), p);
            if (old != 0) {
                verify(old);
                a.free(old);
            }
        }

        /** A heap of this thread: its blocks go to other threads, then it is deleted (they stay valid) or destroyed. */
        void firstClassHeap() {
            Heap h = a.newHeap();
            boolean destroy = r.nextBoolean();
            int n = 1 + r.nextInt(40);
            long[] mine = new long[n];
            for (int i = 0; i < n; i++) {
                long size = HEADER + r.nextInt(r.nextBoolean() ? 512 : 40_000);
                long p = h.malloc(size);
                if (p == 0) {
                    throw new AssertionError("heap out of memory");
                }
                stamp(p, size);
                if (!destroy && r.nextBoolean()) {
                    deposit(p); // freed later by any thread, after the heap is gone
                } else {
                    mine[i] = p;
                }
            }
            for (int i = 0; i < n; i += 2) { // some freed while the heap lives
                if (mine[i] != 0) {
                    verify(mine[i]);
                    a.free(mine[i]);
                    mine[i] = 0;
                }
            }
            for (long p : mine) {
                if (p != 0) {
                    verify(p);
                }
            }
            if (destroy) {
                h.destroy(); // frees the rest at once
            } else {
                h.close(); // moves the pages to the default heap: the rest stays valid
                for (long p : mine) {
                    if (p != 0) {
                        if (r.nextBoolean()) {
                            deposit(p);
                        } else {
                            verify(p);
                            a.free(p);
                        }
                    }
                }
            }
        }

        /** A short-lived arena (a pooled heap destroyed on close). */
        void arena() {
            try (Arena arena = a.newArena()) {
                int n = 1 + r.nextInt(20);
                MemorySegment[] segs = new MemorySegment[n];
                for (int i = 0; i < n; i++) {
                    segs[i] = arena.allocate(8 + r.nextInt(2000), 8);
                    segs[i].fill((byte) i);
                }
                for (int i = 0; i < n; i++) {
                    for (long j = 0; j < segs[i].byteSize(); j += 61) {
                        if (segs[i].get(java.lang.foreign.ValueLayout.JAVA_BYTE, j) != (byte) i) {
                            throw new AssertionError("arena segment " + i + " was overwritten");
                        }
                    }
                }
            }
        }
    }

    /** Checks a stamped block: its size, tag, pattern and last byte. */
    static void verify(long p) {
        long size = Mem.load(p);
        if (size < HEADER || size > (32L << 20)) {
            throw new AssertionError("block 0x" + Long.toHexString(p) + " has a corrupt header: size " + size);
        }
        long tag = Mem.load(p + 8);
        if (!TestAllocators.check(p + HEADER, Math.min(size, CHECKED) - HEADER, tag)
                || size > CHECKED && Mem.loadByte(p + size - 1) != (byte) tag) {
            throw new AssertionError("block 0x" + Long.toHexString(p) + " (size " + size + ", tag " + tag + ") is corrupt");
        }
    }

    /** Checks the first {@code keep} bytes of a block moved by realloc (header included). */
    static void verifyMoved(long q, long keep) {
        long tag = Mem.load(q + 8);
        if (keep > HEADER && !TestAllocators.check(q + HEADER, Math.min(keep, CHECKED) - HEADER, tag)) {
            throw new AssertionError("realloc lost the contents of block tag " + tag + " at 0x" + Long.toHexString(q));
        }
    }
}
