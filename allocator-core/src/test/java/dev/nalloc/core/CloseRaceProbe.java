package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.core.memory.Mem;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The child-JVM half of {@link CloseRaceTest} (a close that unmapped memory under a running thread
 * killed the process): rounds of an instance closed at a random moment while three threads call
 * it: malloc, free (their own blocks and each other's), realloc, zalloc, aligned allocation,
 * usable size, first-class heaps (destroyed), arenas (closed), collects, threadDone. Every call
 * must complete or throw {@link IllegalStateException}; a block's contents may only have changed
 * once the close has begun; a thread must not hang. Once every instance is unreachable, the OS
 * side's ledger must be back to zero: the memory close retired was freed.
 *
 * <p>Arguments: the mode, the seconds to run (0: a fixed number of rounds), and {@code virtual}
 * to run the callers on virtual threads. Prints {@value #DONE} with the counts, or
 * {@value #FAILED} lines.
 */
public final class CloseRaceProbe {

    static final String DONE = "close-race: done";
    static final String FAILED = "close-race: FAILED ";

    private CloseRaceProbe() {
    }

    public static void main(String[] args) throws Exception {
        Mode mode = Mode.valueOf(args[0]);
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 0;
        boolean virtual = args.length > 2 && args[2].equals("virtual");
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        FaultInjectingOs os = new FaultInjectingOs(); // no faults: its ledger
        List<String> failures = new ArrayList<>();
        AtomicLong calls = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        int rounds = 0;
        SplittableRandom random = new SplittableRandom(seconds * 7919 + mode.ordinal());
        do {
            round(mode, os, random.split(), virtual, failures, calls, refused);
            rounds++;
        } while ((seconds == 0 ? rounds < 40 : System.nanoTime() < deadline) && failures.isEmpty());
        long until = System.nanoTime() + 30_000_000_000L;
        while (os.reservedBytes() != 0 && System.nanoTime() < until) {
            System.gc();
            Thread.sleep(20);
        }
        if (os.reservedBytes() != 0) {
            failures.add("the OS side still holds " + os.reservedBytes() + " bytes once every instance is unreachable");
        }
        if (os.badFrees() != 0) {
            failures.add(os.badFrees() + " frees of ranges the layer did not hand out");
        }
        for (String f : failures) {
            System.out.println(FAILED + mode + ": " + f);
        }
        System.out.println(DONE + " " + mode + (virtual ? " virtual" : "") + " rounds " + rounds + " calls " + calls.get()
                + " refused " + refused.get() + " failed " + failures.size());
        System.out.flush();
        System.exit(0);
    }

    private static void round(Mode mode, FaultInjectingOs os, SplittableRandom random, boolean virtual, List<String> failures,
                              AtomicLong calls, AtomicLong refused) throws InterruptedException {
        Allocator a = Allocator.builder().mode(mode).os(os).readEnvironment(false)
                .option(Option.ARENA_RESERVE, 64L << 20).option(Option.PURGE_DELAY, random.nextInt(3) - 1).build();
        AtomicBoolean closing = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        ConcurrentLinkedQueue<long[]> exchange = new ConcurrentLinkedQueue<>();
        int n = 3;
        CountDownLatch started = new CountDownLatch(n);
        CountDownLatch ended = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            long seed = random.nextLong();
            Runnable caller = () -> {
                started.countDown();
                try {
                    new Caller(a, new SplittableRandom(seed), closing, exchange, calls).run();
                } catch (IllegalStateException expected) {
                    refused.incrementAndGet();
                } catch (Throwable t) {
                    java.io.StringWriter w = new java.io.StringWriter();
                    t.printStackTrace(new java.io.PrintWriter(w));
                    failure.compareAndSet(null, (closing.get() ? "after" : "before") + " the close: " + w);
                } finally {
                    ended.countDown();
                }
            };
            // A child-JVM probe: its threads report through what it prints (the test reads that), not TestThreads.
            (virtual ? Thread.ofVirtual() : Thread.ofPlatform()).start(caller);
        }
        started.await();
        Thread.sleep(random.nextInt(15));
        closing.set(true);
        a.close();
        if (!ended.await(60, TimeUnit.SECONDS)) {
            failure.compareAndSet(null, "a caller did not end within 60 s of the close");
        }
        if (a.stats().reserved() != 0 || a.stats().committed() != 0) {
            failure.compareAndSet(null, "after close: reserved " + a.stats().reserved() + ", committed " + a.stats().committed());
        }
        if (failure.get() != null) {
            failures.add(failure.get());
        }
    }

    /** One thread's calls, until one of them is refused with IllegalStateException. */
    private static final class Caller {
        private final Allocator a;
        private final SplittableRandom r;
        private final AtomicBoolean closing;
        private final ConcurrentLinkedQueue<long[]> exchange;
        private final AtomicLong calls;
        private final List<long[]> mine = new ArrayList<>();

        Caller(Allocator a, SplittableRandom r, AtomicBoolean closing, ConcurrentLinkedQueue<long[]> exchange, AtomicLong calls) {
            this.a = a;
            this.r = r;
            this.closing = closing;
            this.exchange = exchange;
            this.calls = calls;
        }

        private long size() {
            int k = r.nextInt(100);
            return k < 70 ? 1 + r.nextInt(600) : k < 95 ? 600 + r.nextInt(70_000) : (9L << 20) + r.nextInt(1 << 20);
        }

        private void keep(long p, long size) {
            if (p == 0) {
                return;
            }
            long seed = r.nextLong();
            write(p, size, seed);
            mine.add(new long[]{p, size, seed});
        }

        private void check(long[] b) {
            if (!intact(b) && !closing.get()) {
                throw new AssertionError("the block at 0x" + Long.toHexString(b[0]) + " changed before the close");
            }
        }

        void run() {
            Heap heap = null;
            for (long i = 0; ; i++) {
                calls.incrementAndGet();
                int k = r.nextInt(100);
                if (k < 30 || mine.isEmpty()) {
                    long size = size();
                    keep(a.malloc(size), size);
                } else if (k < 55) {
                    long[] b = mine.remove(r.nextInt(mine.size()));
                    check(b);
                    if (r.nextInt(3) == 0) {
                        exchange.add(b); // freed by another thread
                    } else {
                        a.free(b[0]);
                    }
                } else if (k < 62) {
                    long[] b = exchange.poll();
                    if (b != null) {
                        check(b);
                        a.free(b[0]);
                    }
                } else if (k < 68) {
                    long[] b = mine.remove(r.nextInt(mine.size()));
                    check(b);
                    long size = size();
                    long q = a.realloc(b[0], size);
                    if (q == 0) {
                        mine.add(b);
                    } else {
                        keep(q, size);
                    }
                } else if (k < 72) {
                    long size = size();
                    keep(a.zalloc(size), size);
                } else if (k < 76) {
                    long size = size();
                    keep(a.mallocAligned(size, 1L << (4 + r.nextInt(10))), size);
                } else if (k < 80) {
                    long[] b = mine.get(r.nextInt(mine.size()));
                    if (a.usableSize(b[0]) < b[1]) {
                        throw new AssertionError("usableSize below the size asked for");
                    }
                } else if (k < 87) {
                    if (heap == null) {
                        heap = a.newHeap();
                    }
                    long size = size();
                    long p = heap.malloc(size);
                    if (p != 0 && size >= 8) { // a smaller block's word would overflow it (CHECKED reports that)
                        Mem.store(p, p);
                    }
                    if (r.nextInt(8) == 0) {
                        heap.destroy();
                        heap = null;
                    }
                } else if (k < 92) {
                    try (Arena arena = a.newArena()) {
                        MemorySegment s = arena.allocate(8 + r.nextInt(5000), 8);
                        s.set(ValueLayout.JAVA_LONG, 0, i);
                        if (s.get(ValueLayout.JAVA_LONG, 0) != i && !closing.get()) {
                            throw new AssertionError("an arena's segment lost a write before the close");
                        }
                    }
                } else if (k < 97) {
                    a.collect(r.nextInt(4) == 0);
                } else {
                    for (long[] b : mine) {
                        exchange.add(b); // blocks outlive their thread's data
                    }
                    mine.clear();
                    a.threadDone();
                }
            }
        }

        private static long word(long seed, long offset) {
            return (seed ^ offset) * 0x9E3779B97F4A7C15L;
        }

        private static void write(long p, long size, long seed) {
            for (long off = 0; off + 8 <= size; off += off < 64 ? 8 : 4096) {
                Mem.store(p + off, word(seed, off));
            }
        }

        private static boolean intact(long[] b) {
            for (long off = 0; off + 8 <= b[1]; off += off < 64 ? 8 : 4096) {
                if (Mem.load(b[0] + off) != word(b[2], off)) {
                    return false;
                }
            }
            return true;
        }
    }
}
