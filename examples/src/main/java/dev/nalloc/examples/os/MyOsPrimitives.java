package dev.nalloc.examples.os;

import dev.nalloc.spi.ForwardingOsPrimitives;
import dev.nalloc.spi.OsPrimitives;

import java.util.concurrent.atomic.AtomicLong;

/**
 * An OS layer of one's own: it delegates to the installed layer and counts every reservation the
 * engine makes (through {@code alloc} and {@code allocAligned}) and every release. Registered as a
 * provider (module-info and META-INF/services) with a priority below the built-in layers, so it is
 * used where it is asked for by name or handed to a builder.
 */
public final class MyOsPrimitives extends ForwardingOsPrimitives {

    private final AtomicLong reservations = new AtomicLong();
    private final AtomicLong releases = new AtomicLong();

    /** A layer over the installed one ({@code OsPrimitives.best()} leaves this class out while it is being made). */
    public MyOsPrimitives() {
        super(OsPrimitives.best());
    }

    @Override
    public String name() {
        return "my-os";
    }

    @Override
    public int priority() {
        return 50; // above 100 it would be chosen over the built-in layers
    }

    @Override
    public Allocation alloc(long hint, long size, long tryAlignment, boolean commit, boolean allowLarge) {
        reservations.incrementAndGet();
        return super.alloc(hint, size, tryAlignment, commit, allowLarge);
    }

    @Override
    public Allocation allocAligned(long size, long alignment, boolean commit, boolean allowLarge) {
        reservations.incrementAndGet(); // the engine reserves segments and arenas here
        return super.allocAligned(size, alignment, commit, allowLarge);
    }

    @Override
    public int free(long address, long size) {
        releases.incrementAndGet();
        return super.free(address, size);
    }

    /** {@return reservations made so far} */
    public long reservations() {
        return reservations.get();
    }

    /** {@return releases made so far} */
    public long releases() {
        return releases.get();
    }
}
