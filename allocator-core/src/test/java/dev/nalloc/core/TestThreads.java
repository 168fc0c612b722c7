package dev.nalloc.core;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Running test code on other threads: every helper here waits for the threads it starts and fails
 * the test with whatever one of them threw, so a failed assertion on another thread is never lost.
 */
public final class TestThreads {

    private TestThreads() {
    }

    /** Runs {@code r} on a new platform thread, waits for it, and fails with whatever it threw. */
    public static void runOnNewThread(Task r) throws InterruptedException {
        runOn(Thread.ofPlatform(), r);
    }

    /** Runs {@code r} on a new thread of {@code builder} (e.g. a virtual one), waits, and fails with what it threw. */
    public static void runOn(Thread.Builder builder, Task r) throws InterruptedException {
        start(builder, r).join();
    }

    /**
     * Starts {@code n} threads of {@code builder}, thread {@code i} running {@code task(i)}, waits for
     * all of them, and fails with the first thing one threw.
     */
    public static void runAll(Thread.Builder builder, int n, IndexedTask task) throws InterruptedException {
        joinAll(startAll(builder, n, task));
    }

    /**
     * Starts {@code n} threads of {@code builder} that run beside the test, thread {@code i} running
     * {@code task(i)}; wait for them with {@link #joinAll(Running...)} or {@link #joinAll(Duration, Running...)}.
     */
    public static Running[] startAll(Thread.Builder builder, int n, IndexedTask task) {
        Running[] ts = new Running[n];
        for (int i = 0; i < n; i++) {
            int index = i;
            ts[i] = start(builder, () -> task.run(index));
        }
        return ts;
    }

    /** Starts {@code r} on a new platform thread that runs beside the test; see {@link Running#join()}. */
    public static Running start(Task r) {
        return start(Thread.ofPlatform(), r);
    }

    /** Starts {@code r} on a new thread of {@code builder} that runs beside the test; see {@link Running#join()}. */
    public static Running start(Thread.Builder builder, Task r) {
        Running running = unstarted(builder, r);
        running.thread.start();
        return running;
    }

    /**
     * Makes the thread of {@code builder} that will run {@code r}, without starting it, for a test
     * that needs the thread before it runs (its id, or a map keyed by it); start it with
     * {@code thread().start()}, then wait for it as for {@link #start}. Joining a thread that was
     * never started fails the test.
     */
    public static Running unstarted(Thread.Builder builder, Task r) {
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = builder.unstarted(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                error.set(e);
            }
        });
        return new Running(t, error);
    }

    /** Waits for every thread, then fails with the first thing one of them threw (in the order given). */
    public static void joinAll(Running... threads) throws InterruptedException {
        for (Running t : threads) {
            t.thread.join();
        }
        for (Running t : threads) {
            t.rethrow();
        }
    }

    /**
     * Waits for every thread, all within {@code timeout} from now (generous: the machine may be
     * loaded), then fails with the first thing one of them threw (in the order given); a thread still
     * running at the deadline fails the test too, after what the others threw (likely its cause),
     * so a hung stress thread (a cyclic free list, say) ends the test instead of the build.
     */
    public static void joinAll(Duration timeout, Running... threads) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Running hung = null;
        for (Running t : threads) {
            if (!t.thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))) && hung == null) {
                hung = t;
            }
        }
        for (Running t : threads) {
            if (t.thread.isAlive()) {
                continue;
            }
            t.rethrow();
        }
        if (hung != null) {
            throw new AssertionError(hung.thread + " still runs after " + timeout);
        }
    }

    /** True when one of {@code threads} has thrown (so the others may stop early). */
    public static boolean anyFailed(Running... threads) {
        for (Running t : threads) {
            if (t != null && t.failure() != null) {
                return true;
            }
        }
        return false;
    }

    /** Code for another thread; it may throw anything, which fails the test. */
    @FunctionalInterface
    public interface Task {
        /** Runs on the other thread. */
        void run() throws Exception;
    }

    /** Code for one of several threads, given its index; it may throw anything, which fails the test. */
    @FunctionalInterface
    public interface IndexedTask {
        /** Runs on thread {@code index}. */
        void run(int index) throws Exception;
    }

    /** A thread made by {@link #start} or {@link #unstarted}: its failure comes out of {@link #join()}. */
    public static final class Running {

        private final Thread thread;
        private final AtomicReference<Throwable> error;

        private Running(Thread thread, AtomicReference<Throwable> error) {
            this.thread = thread;
            this.error = error;
        }

        /** The thread itself. */
        public Thread thread() {
            return thread;
        }

        /** What the thread threw so far, or null. */
        public Throwable failure() {
            return error.get();
        }

        /** Waits for the thread; fails with what it threw. */
        public void join() throws InterruptedException {
            thread.join();
            rethrow();
        }

        /**
         * Waits at most {@code timeout} (generous: the machine may be loaded); fails when the thread
         * is still running then, or with what it threw.
         */
        public void join(Duration timeout) throws InterruptedException {
            if (!thread.join(timeout)) {
                throw new AssertionError(thread + " still runs after " + timeout);
            }
            rethrow();
        }

        private void rethrow() {
            if (thread.getState() == Thread.State.NEW) {
                throw new AssertionError(thread + " was never started");
            }
            if (error.get() != null) {
                throw new AssertionError(error.get());
            }
        }
    }
}
