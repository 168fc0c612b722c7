package dev.nalloc.bench.workload;

import dev.nalloc.bench.peer.AllocatorUnderTest;

/**
 * A synthetic allocation workload, our own Java port of one of mimalloc-bench's. Every workload
 * writes a pattern into the blocks it allocates and checks it before freeing them: an allocator
 * that corrupts memory makes the run fail with a {@link dev.nalloc.bench.memory.CorruptionException}.
 */
public interface Workload {

    /** The mimalloc-bench name (e.g. {@code larson}, {@code cache-scratch}). */
    String name();

    /** One line on what it stresses. */
    String description();

    /** Whether blocks are freed by threads other than their allocating thread. */
    boolean freesAcrossThreads();

    /** Runs once against {@code peer}; every block allocated is freed before returning. */
    WorkloadResult run(AllocatorUnderTest peer, WorkloadSettings settings);
}
