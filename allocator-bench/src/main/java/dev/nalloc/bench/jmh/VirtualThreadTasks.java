package dev.nalloc.bench.jmh;

import dev.nalloc.bench.peer.AllocatorUnderTest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;

/**
 * The headline's pair on virtual threads, as a server runs them: each operation starts
 * {@value #TASKS} virtual threads (one per task) and waits for them; each task does
 * {@value #PAIRS} mallocs of 64 B, frees nine in ten at once and keeps every tenth until its end,
 * then frees those. The score is time per pair, the starting and joining of the virtual threads
 * included (the same for every allocator); so is the Java allocation of {@code -prof gc}: the
 * threads themselves allocate, so an allocator adds nothing when its B/op equals the natives'.
 *
 * <p>{@link #shortTasks} runs the same tasks with {@value #SHORT_PAIRS} pairs each (a request
 * handler that allocates a little): what a task costs once, whatever its length (for Nalloc the
 * lease a virtual thread takes on its first call; for the natives their thread-local heap), weighs
 * {@value #PAIRS} / {@value #SHORT_PAIRS} times more there. Time per pair too.
 */
public class VirtualThreadTasks extends JmhDefaults {

    static final int TASKS = 200;
    static final int PAIRS = 500;
    static final int SHORT_PAIRS = 20;
    private static final int KEEP_EVERY = 10;

    @Benchmark
    @OperationsPerInvocation(TASKS * PAIRS)
    public void tasks(WorkerPeerState state) throws InterruptedException {
        AllocatorUnderTest a = state.allocator;
        Thread[] threads = new Thread[TASKS];
        for (int i = 0; i < TASKS; i++) {
            threads[i] = Thread.ofVirtual().start(() -> task(a));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    @Benchmark
    @OperationsPerInvocation(TASKS * SHORT_PAIRS)
    public void shortTasks(WorkerPeerState state) throws InterruptedException {
        AllocatorUnderTest a = state.allocator;
        Thread[] threads = new Thread[TASKS];
        for (int i = 0; i < TASKS; i++) {
            threads[i] = Thread.ofVirtual().start(() -> shortTask(a));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    private static void task(AllocatorUnderTest a) {
        long[] kept = new long[PAIRS / KEEP_EVERY];
        int k = 0;
        for (int i = 0; i < PAIRS; i++) {
            long p = a.malloc(64);
            if (i % KEEP_EVERY == 0) {
                kept[k++] = p;
            } else {
                a.free(p);
            }
        }
        for (int i = 0; i < k; i++) {
            a.free(kept[i]);
        }
    }

    /** {@link #task} with {@value #SHORT_PAIRS} pairs (a copy, so that the long task's compiled loop stays as it was). */
    private static void shortTask(AllocatorUnderTest a) {
        long[] kept = new long[SHORT_PAIRS / KEEP_EVERY];
        int k = 0;
        for (int i = 0; i < SHORT_PAIRS; i++) {
            long p = a.malloc(64);
            if (i % KEEP_EVERY == 0) {
                kept[k++] = p;
            } else {
                a.free(p);
            }
        }
        for (int i = 0; i < k; i++) {
            a.free(kept[i]);
        }
    }
}
