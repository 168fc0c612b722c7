package dev.nalloc.core;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/** Running test code on other threads. */
final class TestThreads {

    private TestThreads() {
    }

    /** Runs {@code r} on a new platform thread, waits for it, and fails with whatever it threw. */
    static void runOnNewThread(Runnable r) throws InterruptedException {
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                error.set(e);
            }
        });
        t.start();
        t.join();
        if (error.get() != null) {
            throw new AssertionError(error.get());
        }
    }

    /**
     * Starts {@code n} threads of {@code builder}, thread {@code i} running {@code task(i)}, waits for
     * all of them, and fails with the first thing one threw.
     */
    static void runAll(Thread.Builder builder, int n, IntConsumer task) throws InterruptedException {
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread[] ts = new Thread[n];
        for (int i = 0; i < n; i++) {
            int index = i;
            ts[i] = builder.start(() -> {
                try {
                    task.accept(index);
                } catch (Throwable e) {
                    error.compareAndSet(null, e);
                }
            });
        }
        for (Thread t : ts) {
            t.join();
        }
        if (error.get() != null) {
            throw new AssertionError(error.get());
        }
    }
}
