package dev.nalloc.core;

import dev.nalloc.spi.OsPrimitives;

import java.util.concurrent.atomic.AtomicInteger;

/** The real OS layer with injected failures: the next N reservations fail with an error code. */
final class FaultyOs implements OsPrimitives {

    final OsPrimitives real = OsPrimitives.best();
    final AtomicInteger failAllocs = new AtomicInteger();
    final AtomicInteger failFrees = new AtomicInteger();
    final AtomicInteger allocCalls = new AtomicInteger();
    volatile int error = 12; // ENOMEM

    @Override
    public String name() {
        return "faulty-" + real.name();
    }

    @Override
    public int priority() {
        return -1;
    }

    @Override
    public Support support() {
        return real.support();
    }

    @Override
    public MemoryConfig memoryConfig() {
        return real.memoryConfig();
    }

    @Override
    public Allocation alloc(long hint, long size, long align, boolean commit, boolean large) {
        allocCalls.incrementAndGet();
        if (failAllocs.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return Allocation.failed(error);
        }
        return real.alloc(hint, size, align, commit, large);
    }

    @Override
    public Allocation allocAligned(long size, long alignment, boolean commit, boolean large) {
        allocCalls.incrementAndGet();
        if (failAllocs.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return Allocation.failed(error);
        }
        return real.allocAligned(size, alignment, commit, large);
    }

    @Override
    public int free(long address, long size) {
        if (failFrees.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return 22;
        }
        return real.free(address, size);
    }

    @Override
    public CommitResult commit(long address, long size) {
        return real.commit(address, size);
    }

    @Override
    public DecommitResult decommit(long address, long size) {
        return real.decommit(address, size);
    }

    @Override
    public int reset(long address, long size) {
        return real.reset(address, size);
    }

    @Override
    public int reuse(long address, long size) {
        return real.reuse(address, size);
    }

    @Override
    public int protect(long address, long size, boolean protect) {
        return real.protect(address, size, protect);
    }

    @Override
    public int setTransparentHugePages(boolean enable) {
        return real.setTransparentHugePages(enable);
    }

    @Override
    public Allocation allocHugeOsPages(long hint, long size, int node) {
        return real.allocHugeOsPages(hint, size, node);
    }

    @Override
    public int numaNodeCount() {
        return real.numaNodeCount();
    }

    @Override
    public int currentNumaNode() {
        return real.currentNumaNode();
    }

    @Override
    public long clockNanos() {
        return real.clockNanos();
    }

    @Override
    public ProcessInfo processInfo() {
        return real.processInfo();
    }

    @Override
    public int randomBytes(byte[] buffer) {
        return real.randomBytes(buffer);
    }

    @Override
    public String describeError(int error) {
        return real.describeError(error);
    }
}
