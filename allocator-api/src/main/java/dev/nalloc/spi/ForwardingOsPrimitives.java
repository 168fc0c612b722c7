package dev.nalloc.spi;

import java.util.Objects;

/**
 * An {@link OsPrimitives} that forwards every call to another one: extend it and override only
 * what you want to change, e.g. to count or log calls, to inject failures in tests, or to place
 * memory differently. {@link #allocAligned} forwards too, so the delegate's own aligned
 * reservation (such as Windows' {@code VirtualAlloc2}) keeps working.
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
