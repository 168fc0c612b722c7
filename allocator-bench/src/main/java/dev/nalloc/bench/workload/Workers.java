package dev.nalloc.bench.workload;

import dev.nalloc.bench.peer.AllocatorUnderTest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/** Runs workload bodies on fresh platform threads and re-throws the first failure in the caller. */
public final class Workers {

    private Workers() {
    }

    /** Runs {@code body(i)} for i in [0, threads) each on its own thread, then joins them all. */
    public static void run(AllocatorUnderTest peer, int threads, IntConsumer body) {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> started = new ArrayList<>(threads);
        for (int i = 0; i < threads; i++) {
            started.add(start(peer, "worker-" + i, failure, body, i));
        }
        joinAll(started);
        rethrow(failure.get());
    }

    /** Starts one worker that records its failure instead of dying silently. */
    public static Thread start(AllocatorUnderTest peer, String name, AtomicReference<Throwable> failure,
                               IntConsumer body, int index) {
        Thread t = Thread.ofPlatform().name(name).unstarted(() -> {
            try {
                body.accept(index);
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                peer.threadDone();
            }
        });
        t.start();
        return t;
    }

    public static void joinAll(List<Thread> threads) {
        for (Thread t : threads) {
            join(t);
        }
    }

    public static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + t.getName(), e);
        }
    }

    /** Re-throws a failure recorded by a worker, unchecked. */
    public static void rethrow(Throwable failure) {
        if (failure == null) {
            return;
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(failure);
    }

    /** Throws {@link OutOfMemoryError} naming the peer when an allocation returned NULL. */
    public static long check(long address, AllocatorUnderTest peer, long size) {
        if (address == 0) {
            throw new OutOfMemoryError(peer.name() + " returned NULL for " + size + " bytes");
        }
        return address;
    }
}
