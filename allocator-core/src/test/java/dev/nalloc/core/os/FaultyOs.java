package dev.nalloc.core.os;

import dev.nalloc.spi.ForwardingOsPrimitives;
import dev.nalloc.spi.OsPrimitives;

import java.util.concurrent.atomic.AtomicInteger;

/** The real OS layer with injected failures: the next N reservations fail with an error code. */
final class FaultyOs extends ForwardingOsPrimitives {

    final OsPrimitives real;
    final AtomicInteger failAllocs = new AtomicInteger();
    final AtomicInteger failFrees = new AtomicInteger();
    final AtomicInteger allocCalls = new AtomicInteger();
    volatile int error = 12; // ENOMEM

    FaultyOs() {
        this(OsPrimitives.best());
    }

    private FaultyOs(OsPrimitives real) {
        super(real);
        this.real = real;
    }

    @Override
    public String name() {
        return "faulty-" + real.name();
    }

    @Override
    public int priority() {
        return -1;
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
}
