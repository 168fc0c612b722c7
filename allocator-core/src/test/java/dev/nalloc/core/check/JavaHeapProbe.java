package dev.nalloc.core.check;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.OsPrimitives;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child-JVM half of {@link JavaHeapTest}, run with a small {@code -Xmx}: an instance of the
 * given mode allocates small blocks until the Java heap cannot hold their states (CHECKED; FAST and
 * SECURE keep none, so they reach the cap), then
 * frees them all (on this thread, or on another with {@code remote}), and prints what happened as
 * {@code key=value} lines: how many blocks, how allocation ended, how many frees threw, what is
 * still counted live. The addresses are kept in native memory (a FAST instance's block), not in a
 * Java array that would take the Java heap itself; everything the probe needs is made before the
 * Java heap fills, and nothing is printed until the frees are done.
 */
public final class JavaHeapProbe {

    private static final AtomicLong OUT_OF_MEMORY = new AtomicLong();
    private static final AtomicLong OTHER = new AtomicLong();
    private static volatile String firstOom;
    private static Allocator checked;
    private static long holder;
    private static int count;
    private static final long[] THROWN = new long[1];
    private static volatile Throwable firstThrown;

    private JavaHeapProbe() {
    }

    private static void freeAll() {
        for (int i = 0; i < count; i++) {
            try {
                checked.free(Mem.load(holder + 8L * i));
            } catch (Throwable t) {
                if (THROWN[0]++ == 0) {
                    firstThrown = t;
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        boolean remote = args[0].equals("remote");
        int cap = Integer.parseInt(args[1]);
        long size = Long.parseLong(args[2]);
        Mode mode = Mode.valueOf(args[3]);
        ErrorHandler counting = (kind, address, message) -> {
            if (kind == ErrorKind.OUT_OF_MEMORY) {
                if (OUT_OF_MEMORY.incrementAndGet() == 1) {
                    firstOom = message;
                }
            } else {
                OTHER.incrementAndGet();
            }
        };
        try (Allocator fast = Allocator.builder().os(OsPrimitives.best()).readEnvironment(false).build();
             Allocator a = Allocator.builder().os(OsPrimitives.best()).readEnvironment(false).mode(mode)
                     .option(Option.PURGE_DELAY, 0L).errorHandler(counting).build()) {
            checked = a;
            holder = fast.malloc(8L * cap);
            CountDownLatch go = new CountDownLatch(1);
            // A child-JVM probe: its threads report through what it prints (the test reads that), not TestThreads.
            Thread freer = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                freeAll();
            });
            if (remote) {
                freer.start(); // waits from now on: nothing to make once the Java heap is full
            }
            int n = 0;
            String ended = "cap";
            Throwable allocThrew = null;
            try {
                for (; n < cap; n++) {
                    long p = a.malloc(size);
                    if (p == 0) {
                        ended = "zero";
                        break;
                    }
                    Mem.store(holder + 8L * n, p);
                }
            } catch (Throwable t) {
                allocThrew = t;
            }
            count = n;
            Throwable collectThrew = null;
            if (remote) {
                go.countDown();
                freer.join();
                try {
                    a.collect(true); // the owner takes the remote frees back: pages, and their block states, go
                } catch (Throwable t) {
                    collectThrew = t;
                }
            } else {
                freeAll();
            }
            // The frees gave the pages, and with them their block states, back: there is Java heap again.
            System.out.println("allocated=" + n);
            System.out.println("ended=" + (allocThrew != null ? "threw " + allocThrew : ended));
            if (allocThrew != null) {
                StackTraceElement[] st = allocThrew.getStackTrace();
                for (int i = 0; i < Math.min(12, st.length); i++) {
                    System.out.println("allocThrewAt=" + st[i]);
                }
            }
            System.out.println("oomReports=" + OUT_OF_MEMORY.get());
            System.out.println("oomMessage=" + firstOom);
            System.out.println("collectThrew=" + collectThrew);
            System.out.println("freesThrew=" + THROWN[0]);
            System.out.println("firstFreeThrow=" + firstThrown);
            if (firstThrown != null) {
                StackTraceElement[] st = firstThrown.getStackTrace();
                for (int i = 0; i < Math.min(16, st.length); i++) {
                    System.out.println("freeThrewAt=" + st[i]);
                }
            }
            a.collect(true);
            System.out.println("liveAfter=" + a.stats().allocationCount());
            System.out.println("otherReports=" + OTHER.get());
            long p = a.malloc(size);
            a.free(p);
            System.out.println("usableAfter=" + (p != 0));
            fast.free(holder);
        }
        System.out.println("probe: done");
    }
}
