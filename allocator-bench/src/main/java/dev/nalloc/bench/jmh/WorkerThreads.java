package dev.nalloc.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

import java.util.SplittableRandom;

/**
 * The headline's 64 B malloc + free on 1, 2, 4 and 8 platform worker threads of JMH, with the
 * allocator opened and first touched on another thread ({@link WorkerPeerState}); scores are time
 * per pair per thread (JMH's average time). With more threads than the machine's cores the
 * threads share them, so the 4- and 8-thread scores include time spent waiting for a core: compare
 * allocators in the same run, not against the one-thread score. {@code churnWorker} is larson's
 * inner loop ({@link RandomChurn}) on one such worker.
 */
public class WorkerThreads extends JmhDefaults {

    @Benchmark
    @Threads(1)
    public long pair1(WorkerPeerState state) {
        return pair(state);
    }

    @Benchmark
    @Threads(2)
    public long pair2(WorkerPeerState state) {
        return pair(state);
    }

    @Benchmark
    @Threads(4)
    public long pair4(WorkerPeerState state) {
        return pair(state);
    }

    @Benchmark
    @Threads(8)
    public long pair8(WorkerPeerState state) {
        return pair(state);
    }

    private static long pair(WorkerPeerState state) {
        long p = state.allocator.malloc(64);
        state.allocator.free(p);
        return p;
    }

    /** One worker's table of live blocks for {@link #churnWorker} (made on the worker itself). */
    @State(Scope.Thread)
    public static class Table {
        static final int STEPS = 1024;
        long[] blocks;
        int[] slotOf;
        long[] sizeOf;

        @Setup(Level.Trial)
        public void fill(WorkerPeerState state) {
            SplittableRandom r = new SplittableRandom(42);
            blocks = new long[5000];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = state.allocator.malloc(8 + r.nextInt(993));
            }
            slotOf = new int[STEPS];
            sizeOf = new long[STEPS];
            for (int i = 0; i < STEPS; i++) {
                slotOf[i] = r.nextInt(blocks.length);
                sizeOf[i] = 8 + r.nextInt(993);
            }
        }
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(Table.STEPS)
    public void churnWorker(WorkerPeerState state, Table t) {
        long[] b = t.blocks;
        for (int i = 0; i < Table.STEPS; i++) {
            int s = t.slotOf[i];
            state.allocator.free(b[s]);
            b[s] = state.allocator.malloc(t.sizeOf[i]);
        }
    }
}
