package dev.nalloc.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Allocate N blocks, then free all N, in allocation order or reversed. Scores are per block
 * (one malloc + one free).
 */
@State(Scope.Thread)
public class Batch extends JmhDefaults {

    private static final int N = 1000;

    @Param({"16", "64", "512"})
    public long size;

    private long[] blocks;

    @Setup(Level.Trial)
    public void setUp() {
        blocks = new long[N];
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void inOrder(PeerState state) {
        for (int i = 0; i < N; i++) {
            blocks[i] = state.allocator.malloc(size);
        }
        for (int i = 0; i < N; i++) {
            state.allocator.free(blocks[i]);
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void reversed(PeerState state) {
        for (int i = 0; i < N; i++) {
            blocks[i] = state.allocator.malloc(size);
        }
        for (int i = N - 1; i >= 0; i--) {
            state.allocator.free(blocks[i]);
        }
    }
}
