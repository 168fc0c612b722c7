package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorMisuseException;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.ForwardingOsPrimitives;
import dev.nalloc.spi.OsPrimitives;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child-JVM half of {@link PartialFailureTest#aWorkloadWithFailingPurgesKeepsEveryBlock}: a
 * random workload of every allocation, free and re-allocation form, with the throwing handler and
 * every other purge failing (decommit or reset), that relies on exactly what docs/api.md promises
 * when an operation throws: an allocation that threw allocated nothing, a free that threw
 * {@code OS_FAILURE} freed the block, a re-allocation that threw left the old block as it was. Each
 * live block carries its tag in its first and last word, checked before each use; the live count
 * is checked against the statistics as it goes. A re-allocation that threw after freeing the old
 * block (the bug of issue 23) makes the program use freed memory: a wrong tag, a double free, or a
 * crash of the JVM when the freed memory was given back to the OS, which is why this runs in a child.
 * Prints {@code key=value} lines and {@code probe: done}; exits 1 at the first broken promise.
 */
public final class PartialFailureProbe {

    /** The real OS layer; while armed, every other decommit and reset fails (EBUSY). */
    static final class EveryOtherPurgeFails extends ForwardingOsPrimitives {
        final AtomicBoolean armed = new AtomicBoolean(true);
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();

        EveryOtherPurgeFails() {
            super(OsPrimitives.best());
        }

        @Override
        public String name() {
            return "every-other-purge-fails";
        }

        @Override
        public int priority() {
            return -1;
        }

        private boolean fail() {
            if (armed.get() && (calls.incrementAndGet() & 1) == 0) {
                failed.incrementAndGet();
                return true;
            }
            return false;
        }

        @Override
        public DecommitResult decommit(long address, long size) {
            return fail() ? new DecommitResult(16, false) : super.decommit(address, size);
        }

        @Override
        public int reset(long address, long size) {
            return fail() ? 16 : super.reset(address, size);
        }
    }

    private static final int SLOTS = 1500;
    private static final long[] address = new long[SLOTS];
    private static final long[] size = new long[SLOTS];
    private static final long[] tag = new long[SLOTS];
    private static long nextTag = 1;
    private static int live;
    private static long osFailures;
    private static final long[] thrownBy = new long[4]; // allocate, free, realloc, collect

    private PartialFailureProbe() {
    }

    private static void fail(String what) {
        System.out.println("broken=" + what);
        System.out.flush();
        System.exit(1);
    }

    /** The handler's exception for OS trouble is expected; anything else breaks the probe. */
    private static void expectOsFailure(AllocatorMisuseException e, String op) {
        if (e.kind() != ErrorKind.OS_FAILURE) {
            fail(op + " threw " + e);
        }
        osFailures++;
    }

    private static long randomSize(SplittableRandom r) {
        int k = r.nextInt(1000);
        if (k < 650) {
            return 1 + r.nextInt(1024);
        } else if (k < 900) {
            return 1024 + r.nextInt(64 * 1024);
        } else if (k < 998) {
            return 64 * 1024 + r.nextInt(4 << 20);
        }
        return (17L << 20) + r.nextInt(24 << 20); // huge: a segment of its own, purged when freed
    }

    private static void mark(int i, long p, long n) {
        long t = nextTag++;
        address[i] = p;
        size[i] = n;
        tag[i] = t;
        Mem.store(p, t);
        Mem.store(p + (n & ~7L) - 8, ~t);
    }

    private static void check(int i, String when) {
        long p = address[i];
        if (Mem.load(p) != tag[i] || Mem.load(p + (size[i] & ~7L) - 8) != ~tag[i]) {
            fail("block " + i + " of " + size[i] + " B lost its tag " + when);
        }
    }

    private static void allocate(Allocator a, SplittableRandom r, int i) {
        long n = Math.max(16, randomSize(r));
        long p = 0;
        try {
            p = switch (r.nextInt(4)) {
                case 0 -> a.malloc(n);
                case 1 -> a.zalloc(n);
                case 2 -> a.calloc(n, 1);
                default -> a.mallocAligned(n, 64);
            };
        } catch (AllocatorMisuseException e) {
            expectOsFailure(e, "an allocation");
            thrownBy[0]++;
            return; // nothing was allocated
        }
        if (p == 0) {
            fail("out of memory for " + n + " B");
        }
        mark(i, p, n);
        live++;
    }

    private static void free(Allocator a, int i) {
        check(i, "before its free");
        long p = address[i];
        address[i] = 0;
        live--;
        try {
            a.free(p);
        } catch (AllocatorMisuseException e) {
            expectOsFailure(e, "a free"); // the block was freed
            thrownBy[1]++;
        }
    }

    private static void reallocate(Allocator a, SplittableRandom r, int i) {
        check(i, "before its re-allocation");
        long p = address[i];
        long n = Math.max(16, randomSize(r));
        int form = r.nextInt(6);
        long q;
        try {
            q = switch (form) {
                case 0 -> a.realloc(p, n);
                case 1 -> a.rezalloc(p, n);
                case 2 -> a.reallocf(p, n);
                case 3 -> a.reallocn(p, 1, n);
                case 4 -> a.recalloc(p, n, 1);
                default -> a.reallocAligned(p, n, 64);
            };
        } catch (AllocatorMisuseException e) {
            expectOsFailure(e, "a re-allocation");
            thrownBy[2]++;
            check(i, "after a re-allocation that threw"); // the old block as it was
            return;
        }
        if (q == 0) {
            fail("out of memory re-allocating to " + n + " B");
        }
        if (Mem.load(q) != tag[i]) {
            fail("block " + i + " did not keep its contents when re-allocated");
        }
        mark(i, q, n);
    }

    private static void checkCount(Allocator a, String when) {
        long counted = a.stats().allocationCount();
        if (counted != live) {
            fail("the statistics count " + counted + " live blocks, the program holds " + live + " " + when);
        }
    }

    public static void main(String[] args) {
        Mode mode = Mode.valueOf(args[0]);
        long seed = Long.parseLong(args[1]);
        int ops = Integer.parseInt(args[2]);
        EveryOtherPurgeFails os = new EveryOtherPurgeFails();
        SplittableRandom r = new SplittableRandom(seed);
        try (Allocator a = Allocator.builder().os(os).readEnvironment(false).mode(mode)
                .option(Option.ARENA_RESERVE, 256L << 20).option(Option.PURGE_DELAY, 0L).option(Option.PURGE_DECOMMITS, 1)
                .option(Option.GENERIC_COLLECT, 64L).errorHandler(ErrorHandler.throwing()).build()) {
            for (int op = 1; op <= ops; op++) {
                int i = r.nextInt(SLOTS);
                if (address[i] == 0) {
                    allocate(a, r, i);
                } else if (r.nextBoolean()) {
                    free(a, i);
                } else {
                    reallocate(a, r, i);
                }
                if (op % 2000 == 0) {
                    for (int j = 0; j < SLOTS; j++) {
                        if (address[j] != 0) {
                            check(j, "at op " + op);
                        }
                    }
                    checkCount(a, "at op " + op);
                    try {
                        a.collect(r.nextBoolean());
                    } catch (AllocatorMisuseException e) {
                        expectOsFailure(e, "a collect");
                        thrownBy[3]++;
                    }
                }
            }
            for (int j = 0; j < SLOTS; j++) {
                if (address[j] != 0) {
                    free(a, j);
                }
            }
            os.armed.set(false);
            try {
                a.collect(true);
            } catch (AllocatorMisuseException e) { // a report a re-allocation left for the next operation
                expectOsFailure(e, "the last collect");
            }
            checkCount(a, "at the end");
            System.out.println("purgesFailed=" + os.failed.get());
            System.out.println("osFailuresThrown=" + osFailures);
            System.out.println("thrownByAllocate=" + thrownBy[0]);
            System.out.println("thrownByFree=" + thrownBy[1]);
            System.out.println("thrownByRealloc=" + thrownBy[2]);
            System.out.println("thrownByCollect=" + thrownBy[3]);
        }
        System.out.println("probe: done");
    }
}
