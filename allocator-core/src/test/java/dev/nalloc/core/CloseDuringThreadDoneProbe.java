package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Option;
import dev.nalloc.spi.ForwardingOsPrimitives;
import dev.nalloc.spi.OsPrimitives;

import java.util.concurrent.CountDownLatch;

/**
 * The child-JVM half of {@link CloseDuringThreadDoneTest}: a worker is held inside
 * {@code threadDone} (its OS clock call, made when the first empty page's span goes back while the
 * worker abandons its pages) while the main thread decides when to close the instance.
 *
 * <p>Scenarios: {@code close-during} closes while the worker is still inside {@code threadDone},
 * then lets it go on: it walks the free list of its next page, in memory the close has retired
 * (the allocator-bench Larson crash, when close unmapped it: a link still retiring after the run
 * had ended and the instance was closed); it must complete or fail with
 * {@link IllegalStateException}. {@code close-after} lets the worker return from {@code threadDone}
 * first. Both must survive. It prints {@value #BEFORE} once the worker has been let go, what the
 * worker's {@code threadDone} ended with, and {@value #SURVIVED} only if the process lives on.
 */
public final class CloseDuringThreadDoneProbe {

    static final String BEFORE = "probe: worker goes on";
    static final String SURVIVED = "probe: survived";
    static final String OUTCOME = "probe: threadDone ";

    private CloseDuringThreadDoneProbe() {
    }

    /** The real OS layer whose clock holds one armed thread until it is let go. */
    static final class HoldingOs extends ForwardingOsPrimitives {
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch letGo = new CountDownLatch(1);
        volatile Thread armed;

        HoldingOs() {
            super(OsPrimitives.best());
        }

        @Override
        public long clockNanos() {
            if (Thread.currentThread() == armed) {
                armed = null;
                held.countDown();
                try {
                    letGo.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.clockNanos();
        }
    }

    public static void main(String[] args) throws Exception {
        boolean closeDuring = switch (args[0]) {
            case "close-during" -> true;
            case "close-after" -> false;
            default -> throw new IllegalArgumentException(args[0]);
        };
        HoldingOs os = new HoldingOs();
        Allocator a = Allocator.builder().os(os).readEnvironment(false).option(Option.ARENA_RESERVE, 64L << 20)
                .option(Option.PURGE_DELAY, 100).build();
        // A child-JVM probe: its threads report through what it prints (the test reads that), not TestThreads.
        Thread worker = new Thread(() -> {
            long[] small = new long[64];
            for (int i = 0; i < small.length; i++) {
                small[i] = a.malloc(16);
            }
            for (long p : small) {
                a.free(p); // a page of 16-byte blocks, all free: abandoning gives its span back first
            }
            long[] live = new long[40];
            for (int i = 0; i < live.length; i++) {
                live[i] = a.malloc(64);
            }
            for (int i = 0; i < live.length; i += 2) {
                a.free(live[i]); // a page with live blocks and free lists, abandoned after it
            }
            os.armed = Thread.currentThread();
            try {
                a.threadDone();
                System.out.println(OUTCOME + "returned");
            } catch (IllegalStateException e) {
                System.out.println(OUTCOME + e.getMessage());
            }
        }, "retiring-worker");
        worker.start();
        os.held.await();
        if (closeDuring) {
            a.close(); // the caller's bug: the worker has not returned from threadDone
        }
        System.out.println(BEFORE);
        System.out.flush();
        os.letGo.countDown();
        worker.join();
        if (!closeDuring) {
            a.close();
        }
        System.out.println(SURVIVED);
        System.out.flush();
        System.exit(0);
    }
}
