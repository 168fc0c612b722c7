package dev.nalloc.spi.conformance;

import dev.nalloc.spi.ForwardingOsPrimitives;
import dev.nalloc.spi.OsPrimitives;

/**
 * Forwards everything to an implementation except {@code allocAligned}, which is the SPI's
 * default algorithm, and reports partial free as given: runs the default aligned-allocation
 * algorithm (both of its paths) against a real implementation. Alignment hints are dropped, so that
 * the first, hinted attempt is usually misaligned and the over-allocation path really runs.
 */
final class DefaultAlignedAllocation extends ForwardingOsPrimitives {

    private final boolean partialFree;

    DefaultAlignedAllocation(OsPrimitives os, boolean partialFree) {
        super(os);
        this.partialFree = partialFree;
    }

    @Override
    public MemoryConfig memoryConfig() {
        MemoryConfig c = delegate().memoryConfig();
        return new MemoryConfig(c.pageSize(), c.largePageSize(), c.allocGranularity(), c.physicalMemory(),
                c.virtualAddressBits(), c.hasOvercommit(), partialFree, c.hasVirtualReserve());
    }

    @Override
    public Allocation alloc(long hintAddress, long size, long tryAlignment, boolean commit, boolean allowLarge) {
        return delegate().alloc(hintAddress, size, 0, commit, allowLarge);
    }

    @Override
    public Allocation allocAligned(long size, long alignment, boolean commit, boolean allowLarge) {
        return defaultAllocAligned(size, alignment, commit, allowLarge);
    }
}
