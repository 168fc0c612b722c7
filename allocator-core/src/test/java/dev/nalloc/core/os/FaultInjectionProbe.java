package dev.nalloc.core.os;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorMisuseException;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.core.FaultInjectingOs.Op;
import dev.nalloc.core.FaultInjectingOs.Schedule;
import dev.nalloc.core.FaultInjectingOs.Style;
import dev.nalloc.core.FaultInjectingOs;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.spi.ErrorHandler;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The child-JVM half of {@link FaultInjectionTest} (a fault the engine handles wrongly may kill
 * the process): for one mode, every schedule of {@link #schedules} over a workload of mallocs,
 * frees, reallocs, zero allocations, first-class heaps destroyed, a thread that ends, collects and
 * purges, with every block's contents written and checked before, during and after the faults.
 *
 * <p>Each scenario checks: every block handed out is usable memory as the OS layer's books say
 * (committed, not protected), no block's contents changed, every injected fault was reported
 * exactly once (as an OS failure or out of memory) and nothing else was, the live-block count is
 * exact, the instance's statistics are zero after close, and once the instance is unreachable
 * the OS side's ledger is back to zero (nothing leaked, nothing freed that was not reserved).
 *
 * <p>Arguments: the mode, then the seconds to run (0: each scenario once; more: the scenarios over
 * and over with new seeds, the soak profile). Prints one line per failing scenario, then
 * {@value #DONE} with the counts.
 */
public final class FaultInjectionProbe {

    static final String DONE = "faults: done";
    static final String FAILED = "faults: FAILED ";

    private FaultInjectionProbe() {
    }

    /** Every schedule: each operation alone and all of them, every k-th call (k = 1, 2, 3, 7) and at random. */
    static List<Schedule> schedules(long seed) {
        List<Set<Op>> sets = new ArrayList<>();
        for (Op op : Op.values()) {
            sets.add(EnumSet.of(op));
        }
        sets.add(FaultInjectingOs.all());
        List<Schedule> out = new ArrayList<>();
        for (Set<Op> ops : sets) {
            for (int k : new int[]{1, 2, 3, 7}) {
                out.add(Schedule.everyKth(ops, k, k == 2 ? Style.THROW : k == 3 ? Style.THROW_AFTER : Style.ERROR));
            }
            out.add(Schedule.random(ops, 0.2, seed++, Style.THROW));
            out.add(Schedule.random(ops, 0.2, seed++, Style.ERROR));
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        Mode mode = Mode.valueOf(args[0]);
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 0;
        boolean soak = seconds > 0;
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long seed = 1;
        int scenarios = 0;
        int failed = 0;
        // The first pass is the quick run's, whole; a soak then runs longer passes with new seeds
        // and stops at the deadline after the scenario under way (a whole soak pass can take
        // minutes on a loaded machine, beyond the test's limit of 90 s past the deadline).
        boolean longer = false;
        soaking:
        do {
            for (Schedule s : schedules(seed)) {
                for (boolean sampling : new boolean[]{false, true}) {
                    // Guarded sampling (CHECKED, SECURE) adds guard pages: protects and unprotects.
                    if (sampling && (mode == Mode.FAST || (!longer && !s.ops().contains(Op.PROTECT)
                            && !s.ops().contains(Op.UNPROTECT)))) {
                        continue;
                    }
                    if (longer && System.nanoTime() >= deadline) {
                        break soaking;
                    }
                    String problem;
                    long t0 = System.nanoTime();
                    try {
                        problem = new Scenario(mode, s, sampling, seed, longer ? 1500 : 500).run();
                    } catch (Throwable t) {
                        java.io.StringWriter w = new java.io.StringWriter();
                        t.printStackTrace(new java.io.PrintWriter(w));
                        problem = "threw " + w;
                    }
                    scenarios++;
                    if (System.getenv("FAULTS_TIMING") != null) {
                        System.out.println("faults: " + s + (sampling ? " sampling " : " ") + (System.nanoTime() - t0) / 1_000_000 + " ms");
                    }
                    if (problem != null) {
                        failed++;
                        System.out.println(FAILED + mode + " " + s + (sampling ? " sampling" : "") + ": " + problem);
                    }
                }
            }
            seed += 1000;
            if (longer && System.nanoTime() >= deadline) {
                break;
            }
            String unbounded = boundedUnderThrowingLayer(mode, seed, longer ? 20_000 : 5_000);
            scenarios++;
            if (unbounded != null) {
                failed++;
                System.out.println(FAILED + mode + " a layer that throws: " + unbounded);
            }
            longer = soak;
        } while (System.nanoTime() < deadline);
        System.out.println(DONE + " " + mode + " scenarios " + scenarios + " failed " + failed);
        System.out.flush();
        System.exit(0);
    }

    /**
     * A layer whose reservations and commits throw half of the time (the buggy layer made
     * resident memory grow without bound): a program that keeps allocating and freeing keeps its
     * memory bounded, and the ledger is back to zero at the end.
     */
    static String boundedUnderThrowingLayer(Mode mode, long seed, int calls) throws InterruptedException {
        FaultInjectingOs os = new FaultInjectingOs();
        Allocator a = Allocator.builder().mode(mode).os(os).readEnvironment(false).errorHandler(ErrorHandler.capturing())
                .option(Option.ARENA_RESERVE, 64L << 20).option(Option.RETRY_ON_OOM, 0).build();
        os.inject(Schedule.random(EnumSet.of(Op.RESERVE, Op.COMMIT, Op.DECOMMIT, Op.PROTECT, Op.UNPROTECT), 0.5, seed,
                Style.THROW));
        SplittableRandom r = new SplittableRandom(seed);
        long[] blocks = new long[64];
        long most = 0;
        for (int i = 0; i < calls; i++) {
            int j = r.nextInt(blocks.length);
            if (blocks[j] != 0) {
                a.free(blocks[j]);
            }
            blocks[j] = a.malloc(r.nextInt(4) == 0 ? 1 + r.nextInt(300_000) : 1 + r.nextInt(1000));
            most = Math.max(most, os.reservedBytes());
        }
        for (long b : blocks) {
            if (b != 0) {
                a.free(b);
            }
        }
        os.inject(null);
        a.close();
        a = null;
        long until = System.nanoTime() + 20_000_000_000L;
        while (os.reservedBytes() != 0 && System.nanoTime() < until) {
            System.gc();
            Thread.sleep(20);
        }
        if (most > 512L << 20) {
            return "reserved up to " + (most >> 20) + " MiB for 64 blocks of at most 300 KB";
        }
        return os.reservedBytes() != 0 ? os.reservedBytes() + " bytes still reserved once the instance is gone" : null;
    }

    /** One scenario: an instance, a schedule, the workload, the checks. */
    static final class Scenario {
        private final Mode mode;
        private final Schedule schedule;
        private final boolean sampling;
        private final SplittableRandom random;
        private final FaultInjectingOs os = new FaultInjectingOs();
        private final ErrorHandler.Capturing reports = ErrorHandler.capturing();
        private final List<long[]> live = new ArrayList<>(); // address, size, seed
        private String problem;

        /** Calls made while the faults are injected. */
        private final int ops;

        Scenario(Mode mode, Schedule schedule, boolean sampling, long seed, int ops) {
            this.ops = ops;
            this.mode = mode;
            this.schedule = schedule;
            this.sampling = sampling;
            this.random = new SplittableRandom(seed * 31 + schedule.hashCode());
        }

        String run() throws Exception {
            Allocator a = build();
            fill(a, 60);
            os.inject(schedule);
            work(a, ops);
            os.inject(null);
            long injectedBeforeEnd = os.injected();
            checkAll("after the faults");
            work(a, 100);
            freeAll(a);
            a.collect(true);
            if (problem == null && a.stats().allocationCount() != 0) {
                problem = "live blocks after every block was freed: " + a.stats().allocationCount();
            }
            os.inject(schedule.ops().contains(Op.DISCARD) ? schedule : null); // faults while it closes too
            a.close();
            os.inject(null);
            if (problem == null && (a.stats().reserved() != 0 || a.stats().committed() != 0)) {
                problem = "after close: reserved " + a.stats().reserved() + ", committed " + a.stats().committed();
            }
            checkReports(injectedBeforeEnd, a.stats().counters());
            a = null;
            long t0 = System.nanoTime();
            awaitLedgerZero();
            if (System.getenv("FAULTS_TIMING") != null) {
                System.out.println("faults: ledger after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            }
            if (problem == null && os.badFrees() != 0) {
                problem = os.badFrees() + " frees of ranges the layer did not hand out";
            }
            return problem;
        }

        private Allocator build() {
            var b = Allocator.builder().mode(mode).os(os).readEnvironment(false).errorHandler(reports)
                    .option(Option.ARENA_RESERVE, 64L << 20).option(Option.PURGE_DELAY, 0)
                    .option(Option.RETRY_ON_OOM, 0);
            if (sampling) {
                b.option(Option.GUARDED_SAMPLE_RATE, 5);
            }
            return b.build();
        }

        // ------------------------------------------------------------------ workload

        private long size() {
            int r = random.nextInt(100);
            if (r < 60) {
                return 1 + random.nextInt(512);
            }
            if (r < 85) {
                return 512 + random.nextInt(16 << 10);
            }
            if (r < 99) {
                return (16 << 10) + random.nextInt(400 << 10);
            }
            return (17L << 20) + random.nextInt(4 << 20); // huge: a segment of its own
        }

        private void fill(Allocator a, int n) {
            for (int i = 0; i < n; i++) {
                malloc(a, size());
            }
        }

        private void malloc(Allocator a, long size) {
            long p;
            try {
                p = a.malloc(size);
            } catch (AllocatorMisuseException e) {
                return; // a throwing handler's report of an OS failure: no block
            }
            if (p != 0) {
                adopt(p, size, "malloc");
            }
        }

        private void adopt(long p, long size, String what) {
            String bad = os.usable(p, size);
            if (bad != null) {
                fail(what + " of " + size + " bytes handed out 0x" + Long.toHexString(p) + ": " + bad);
                return; // not written: it would fault
            }
            long seed = random.nextLong();
            write(p, size, seed);
            live.add(new long[]{p, size, seed});
        }

        private void work(Allocator a, int ops) {
            Heap heap = null;
            List<Long> heapBlocks = new ArrayList<>();
            for (int i = 0; i < ops && problem == null; i++) {
                int r = random.nextInt(100);
                if (r < 40) {
                    malloc(a, size());
                } else if (r < 75 && !live.isEmpty()) {
                    long[] b = live.remove(random.nextInt(live.size()));
                    check(b, "before its free");
                    a.free(b[0]);
                } else if (r < 83 && !live.isEmpty()) {
                    int j = random.nextInt(live.size());
                    long[] b = live.get(j);
                    check(b, "before its realloc");
                    long size = size();
                    long q = a.realloc(b[0], size);
                    if (q != 0) {
                        live.remove(j);
                        long kept = Math.min(size, b[1]);
                        if (os.usable(q, size) != null) {
                            fail("realloc handed out 0x" + Long.toHexString(q) + ": " + os.usable(q, size));
                        } else if (!intact(q, b[1], kept, b[2])) {
                            fail("realloc did not keep the contents of 0x" + Long.toHexString(b[0]));
                        } else {
                            long seed = random.nextLong();
                            write(q, size, seed);
                            live.add(new long[]{q, size, seed});
                        }
                    }
                } else if (r < 88) {
                    long size = size();
                    long p = a.zalloc(size);
                    if (p != 0) {
                        if (os.usable(p, size) != null) {
                            fail("zalloc handed out 0x" + Long.toHexString(p) + ": " + os.usable(p, size));
                        } else if (!zero(p, size)) {
                            fail("zalloc of " + size + " bytes at 0x" + Long.toHexString(p) + " is not zero");
                        } else {
                            long seed = random.nextLong();
                            write(p, size, seed);
                            live.add(new long[]{p, size, seed});
                        }
                    }
                } else if (r < 94) {
                    if (heap == null) {
                        heap = a.newHeap();
                    }
                    long size = size();
                    long p = heap.malloc(size);
                    if (p != 0) {
                        if (os.usable(p, size) != null) {
                            fail("a heap's malloc handed out 0x" + Long.toHexString(p) + ": " + os.usable(p, size));
                        } else {
                            write(p, size, 7);
                            heapBlocks.add(p);
                        }
                    }
                    if (heapBlocks.size() > 20) {
                        heap.destroy();
                        heap = null;
                        heapBlocks.clear();
                    }
                } else if (r < 97) {
                    a.collect(random.nextBoolean());
                } else {
                    worker(a);
                }
            }
            if (heap != null) {
                heap.destroy();
            }
        }

        /** A thread that allocates, hands half of its blocks over and ends with threadDone. */
        private void worker(Allocator a) {
            List<long[]> handed = new ArrayList<>();
            long base = random.nextLong();
            // A child-JVM probe: its threads report through what it prints (the test reads that), not TestThreads.
            Thread t = new Thread(() -> {
                SplittableRandom r = new SplittableRandom(base);
                List<long[]> mine = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    long size = 1 + r.nextInt(2000);
                    long p;
                    try {
                        p = a.malloc(size);
                    } catch (AllocatorMisuseException e) {
                        continue;
                    }
                    if (p != 0 && os.usable(p, size) == null) {
                        write(p, size, base + i);
                        mine.add(new long[]{p, size, base + i});
                    } else if (p != 0) {
                        synchronized (this) {
                            fail("a worker's malloc handed out 0x" + Long.toHexString(p) + ": " + os.usable(p, size));
                        }
                    }
                }
                for (int i = 0; i < mine.size(); i++) {
                    if (i % 2 == 0) {
                        a.free(mine.get(i)[0]);
                    } else {
                        handed.add(mine.get(i));
                    }
                }
                a.threadDone();
            });
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            live.addAll(handed); // freed later by this thread: remote frees into abandoned segments
        }

        private void freeAll(Allocator a) {
            for (long[] b : live) {
                check(b, "before the final free");
                a.free(b[0]);
            }
            live.clear();
        }

        // ------------------------------------------------------------------ contents

        private static long word(long seed, long offset) {
            return (seed + offset) * 0x9E3779B97F4A7C15L;
        }

        /** Writes the block's first and last 256 bytes (and a word every 4 KiB) from its seed. */
        private static void write(long p, long size, long seed) {
            forWords(size, off -> Mem.store(p + off, word(seed, off)));
        }

        private static boolean intact(long p, long size, long seed) {
            return intact(p, size, size, seed);
        }

        /** The words {@link #write} wrote for {@code size} bytes that lie below {@code kept}. */
        private static boolean intact(long p, long size, long kept, long seed) {
            boolean[] ok = {true};
            forWords(size, off -> {
                if (off + 8 <= kept && Mem.load(p + off) != word(seed, off)) {
                    ok[0] = false;
                }
            });
            return ok[0];
        }

        private static void forWords(long size, java.util.function.LongConsumer action) {
            long words = size / 8;
            for (long w = 0; w < words; w++) {
                long off = w * 8;
                if (off < 256 || off >= size - 264 || (off & 4095) == 0) {
                    action.accept(off);
                }
            }
        }

        private static boolean zero(long p, long size) {
            for (long off = 0; off + 8 <= size; off += off < 4096 ? 8 : 4096) {
                if (Mem.load(p + off) != 0) {
                    return false;
                }
            }
            return true;
        }

        private void check(long[] b, String when) {
            if (!intact(b[0], b[1], b[2])) {
                fail("the block at 0x" + Long.toHexString(b[0]) + " of " + b[1] + " bytes changed (" + when + ")");
            }
        }

        private void checkAll(String when) {
            for (long[] b : live) {
                check(b, when);
            }
        }

        private void fail(String what) {
            if (problem == null) {
                problem = what;
            }
        }

        // ------------------------------------------------------------------ reports and ledger

        /**
         * Every injected fault was reported once (as an OS failure, or out of memory for refused
         * reservations and commits), and nothing else was. A guard page the OS would not lift is
         * reported when its memory is set aside; the later tries to lift it (at collects) fail
         * quietly, so there are at most as many such reports as faults, and at least one. OS
         * trouble is counted at once and handed to the handler at the end of the step, at most 16
         * reports per thread and step (docs/api.md): the rest are counted only, so every fault the
         * handler did not see must be among the counted reports it did not see.
         */
        private void checkReports(long injectedBeforeEnd, java.util.Map<String, Long> counters) {
            long osReports = 0;
            long unprotectReports = 0;
            long delivered = 0;
            for (ErrorHandler.Report r : reports.reports()) {
                if (r.kind() != ErrorKind.OS_FAILURE && r.kind() != ErrorKind.OUT_OF_MEMORY) {
                    fail("reported " + r.kind() + ": " + r.message());
                }
                delivered++;
                if (r.message().contains("could not unprotect")) {
                    unprotectReports++;
                } else if (r.message().contains("could not ")) { // what OsMemory says of a failed call (the engine's own: "no memory")
                    osReports++;
                }
            }
            long counted = counters.getOrDefault("os_failures", 0L) + counters.getOrDefault("out_of_memory", 0L);
            long countedOnly = counted - delivered;
            long unprotects = os.injected(Op.UNPROTECT);
            long others = os.injected() - unprotects;
            if (countedOnly < 0 || osReports > others || osReports + countedOnly < others
                    || unprotectReports > unprotects || (unprotects == 0 && unprotectReports > 0)
                    || (unprotects > 0 && unprotectReports == 0 && countedOnly == 0)) {
                fail(os.injected() + " faults injected (" + injectedBeforeEnd + " before the end; unprotect " + unprotects
                        + "), " + osReports + " reported (unprotect " + unprotectReports + "), " + countedOnly
                        + " counted only: " + reports.reports().stream().limit(5).map(ErrorHandler.Report::message).toList());
            }
        }

        private void awaitLedgerZero() throws InterruptedException {
            long until = System.nanoTime() + 20_000_000_000L;
            while (os.reservedBytes() != 0 && System.nanoTime() < until) {
                System.gc();
                Thread.sleep(20);
            }
            if (os.reservedBytes() != 0) {
                fail("the OS side still holds " + os.reservedBytes() + " bytes after close (committed "
                        + os.committedBytes() + "; lost by frees that threw before freeing: " + os.lostBytes() + ")");
            }
        }
    }
}
