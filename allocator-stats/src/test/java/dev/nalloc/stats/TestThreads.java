package dev.nalloc.stats;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Running test code on another thread so that what it throws fails the test: this module's copy
 * of the part of allocator-core's {@code dev.nalloc.core.TestThreads} its tests use (that module's
 * test classes are not on this module's class path).
 */
final class TestThreads {

    private TestThreads() {
    }

    /** Runs {@code r} on a new platform thread, waits for it, and fails with whatever it threw. */
    static void runOnNewThread(Task r) throws InterruptedException {
        start(r).join();
    }

    /** Starts {@code r} on a new platform thread that runs beside the test; see {@link Running#join()}. */
    static Running start(Task r) {
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                error.set(e);
            }
        });
        return new Running(t, error);
    }

    /** Code for another thread; it may throw anything, which fails the test. */
    @FunctionalInterface
    interface Task {
        /** Runs on the other thread. */
        void run() throws Exception;
    }

    /** A thread started by {@link #start}: its failure comes out of {@link #join()}. */
    static final class Running {

        private final Thread thread;
        private final AtomicReference<Throwable> error;

        private Running(Thread thread, AtomicReference<Throwable> error) {
            this.thread = thread;
            this.error = error;
        }

        /** Waits for the thread; fails with what it threw. */
        void join() throws InterruptedException {
            thread.join();
            if (error.get() != null) {
                throw new AssertionError(error.get());
            }
        }
    }
}
