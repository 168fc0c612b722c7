package dev.nalloc.spi.conformance;

import dev.nalloc.spi.OsPrimitives;

/**
 * Delegates everything to an implementation except {@code allocAligned}, which is the interface's
 * default, and reports partial free as given: runs the default aligned-allocation algorithm
 * (both of its paths) against a real implementation. Alignment hints are dropped, so that the
 * first, hinted attempt is usually misaligned and the over-allocation path really runs.
 */
final class DefaultAlignedAllocation implements OsPrimitives {

    private final OsPrimitives os;
    private final boolean partialFree;

    DefaultAlignedAllocation(OsPrimitives os, boolean partialFree) {
        this.os = os;
        this.partialFree = partialFree;
    }

    @Override
    public String name() {
        return os.name();
    }

    @Override
    public int priority() {
        return os.priority();
    }

    @Override
    public Support support() {
        return os.support();
    }

    @Override
    public MemoryConfig memoryConfig() {
        MemoryConfig c = os.memoryConfig();
        return new MemoryConfig(c.pageSize(), c.largePageSize(), c.allocGranularity(), c.physicalMemory(),
                c.virtualAddressBits(), c.hasOvercommit(), partialFree, c.hasVirtualReserve());
    }

    @Override
    public Allocation alloc(long hintAddress, long size, long tryAlignment, boolean commit, boolean allowLarge) {
        return os.alloc(hintAddress, size, 0, commit, allowLarge);
    }

    @Override
    public int free(long address, long size) {
        return os.free(address, size);
    }

    @Override
    public CommitResult commit(long address, long size) {
        return os.commit(address, size);
    }

    @Override
    public DecommitResult decommit(long address, long size) {
        return os.decommit(address, size);
    }

    @Override
    public int reset(long address, long size) {
        return os.reset(address, size);
    }

    @Override
    public int reuse(long address, long size) {
        return os.reuse(address, size);
    }

    @Override
    public int protect(long address, long size, boolean protect) {
        return os.protect(address, size, protect);
    }

    @Override
    public int setTransparentHugePages(boolean enable) {
        return os.setTransparentHugePages(enable);
    }

    @Override
    public Allocation allocHugeOsPages(long hintAddress, long size, int numaNode) {
        return os.allocHugeOsPages(hintAddress, size, numaNode);
    }

    @Override
    public int numaNodeCount() {
        return os.numaNodeCount();
    }

    @Override
    public int currentNumaNode() {
        return os.currentNumaNode();
    }

    @Override
    public long clockNanos() {
        return os.clockNanos();
    }

    @Override
    public ProcessInfo processInfo() {
        return os.processInfo();
    }

    @Override
    public int randomBytes(byte[] buffer) {
        return os.randomBytes(buffer);
    }

    @Override
    public String describeError(int error) {
        return os.describeError(error);
    }
}
