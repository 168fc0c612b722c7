package dev.nalloc.core;

import java.util.concurrent.atomic.AtomicReference;

/** Running test code on another platform thread. */
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
}
