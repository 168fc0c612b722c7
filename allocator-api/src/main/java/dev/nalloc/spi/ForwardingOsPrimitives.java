package dev.nalloc.spi;

import java.util.Objects;

/**
 * An {@link OsPrimitives} that forwards every call to another one: extend it and override only
 * what you want to change, e.g. to count or log calls, to inject failures in tests, or to place
 * memory differently. {@link #allocAligned} forwards too, so the delegate's own aligned
 * reservation (such as Windows' {@code VirtualAlloc2}) keeps working.
 *
 * <h2>Seeing every reservation</h2>
 * The engine reserves its segments and arenas with {@link #allocAligned}, not {@link #alloc}
 * ({@link #alloc} serves only what has no alignment to keep). A subclass that counts reservations
 * or makes them fail must therefore override both, and count releases in {@link #free}:
 * {@snippet :
 * public final class CountingOs extends ForwardingOsPrimitives {
 *     final java.util.concurrent.atomic.AtomicLong reservations = new java.util.concurrent.atomic.AtomicLong();
 *
 *     public CountingOs() {
 *         super(OsPrimitives.best());              // the installed layer (never this class itself)
 *     }
 *
 *     @Override
 *     public Allocation alloc(long hint, long size, long tryAlignment, boolean commit, boolean allowLarge) {
 *         reservations.incrementAndGet();
 *         return super.alloc(hint, size, tryAlignment, commit, allowLarge);
 *     }
 *
 *     @Override
 *     public Allocation allocAligned(long size, long alignment, boolean commit, boolean allowLarge) {
 *         reservations.incrementAndGet();          // one count per aligned reservation
 *         return super.allocAligned(size, alignment, commit, allowLarge);
 *     }
 * }
 * }
 * To see the raw reservations the aligned ones are made of instead (the over-allocation and its
 * trimming), have {@code allocAligned} return {@link #defaultAllocAligned}: it runs the SPI's
 * algorithm on this object's own {@code alloc} and {@code free}.
 *
 * <h2>Delegating to the installed layer</h2>
 * A subclass registered as a provider ({@code META-INF/services/dev.nalloc.spi.OsPrimitives} or
 * {@code provides} in {@code module-info}) may take its delegate with {@link OsPrimitives#best()}
 * or {@link OsPrimitives#named(String)} in its constructor: the lookup leaves out the provider being
 * constructed, so it finds the platform's layer and does not recurse. This works on the module path
 * too: the built-in layers export no package, and these lookups are how a delegate is had. Give the
 * subclass a {@link #priority()} above 100 to be chosen over the built-in layers, and its own
 * {@link #name()} when both must be told apart ({@code named} returns the first provider of a name,
 * highest priority first).
 */
public abstract class ForwardingOsPrimitives implements OsPrimitives {

    private final OsPrimitives delegate;

    /**
     * A layer that forwards every call to {@code delegate}.
     *
     * @param delegate the layer calls are forwarded to
     */
    protected ForwardingOsPrimitives(OsPrimitives delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** {@return the layer calls are forwarded to} */
    protected final OsPrimitives delegate() {
        return delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public int priority() {
        return delegate.priority();
    }

    @Override
    public Support support() {
        return delegate.support();
    }

    @Override
    public MemoryConfig memoryConfig() {
        return delegate.memoryConfig();
    }

    @Override
    public Allocation alloc(long hintAddress, long size, long tryAlignment, boolean commit, boolean allowLarge) {
        return delegate.alloc(hintAddress, size, tryAlignment, commit, allowLarge);
    }

    @Override
    public Allocation allocAligned(long size, long alignment, boolean commit, boolean allowLarge) {
        return delegate.allocAligned(size, alignment, commit, allowLarge);
    }

    /**
     * The SPI's default aligned reservation ({@link OsPrimitives#allocAligned}'s algorithm) run on
     * this object's own {@link #alloc} and {@link #free}, for subclasses that change those and want
     * aligned reservations to go through them.
     *
     * @param size       bytes, a positive multiple of the allocation granularity
     * @param alignment  the alignment of the address
     * @param commit     commit the memory as well
     * @param allowLarge large OS pages may be used
     * @return the reservation, or a failure with the OS error code
     */
    protected final Allocation defaultAllocAligned(long size, long alignment, boolean commit, boolean allowLarge) {
        return AlignedAllocation.allocate(this, size, alignment, commit, allowLarge);
    }

    @Override
    public int free(long address, long size) {
        return delegate.free(address, size);
    }

    @Override
    public CommitResult commit(long address, long size) {
        return delegate.commit(address, size);
    }

    @Override
    public DecommitResult decommit(long address, long size) {
        return delegate.decommit(address, size);
    }

    @Override
    public int reset(long address, long size) {
        return delegate.reset(address, size);
    }

    @Override
    public int reuse(long address, long size) {
        return delegate.reuse(address, size);
    }

    @Override
    public int protect(long address, long size, boolean protect) {
        return delegate.protect(address, size, protect);
    }

    @Override
    public int discard(long address, long size) {
        return delegate.discard(address, size);
    }

    @Override
    public int setTransparentHugePages(boolean enable) {
        return delegate.setTransparentHugePages(enable);
    }

    @Override
    public Allocation allocHugeOsPages(long hintAddress, long size, int numaNode) {
        return delegate.allocHugeOsPages(hintAddress, size, numaNode);
    }

    @Override
    public int numaNodeCount() {
        return delegate.numaNodeCount();
    }

    @Override
    public int currentNumaNode() {
        return delegate.currentNumaNode();
    }

    @Override
    public long osThreadId() {
        return delegate.osThreadId();
    }

    @Override
    public long clockNanos() {
        return delegate.clockNanos();
    }

    @Override
    public ProcessInfo processInfo() {
        return delegate.processInfo();
    }

    @Override
    public long residentBytes(long address, long size) {
        return delegate.residentBytes(address, size);
    }

    @Override
    public int randomBytes(byte[] buffer) {
        return delegate.randomBytes(buffer);
    }

    @Override
    public String describeError(int error) {
        return delegate.describeError(error);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + delegate + ")";
    }
}
