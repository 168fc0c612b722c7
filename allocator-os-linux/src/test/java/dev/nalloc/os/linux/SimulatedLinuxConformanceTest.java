package dev.nalloc.os.linux;

import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.Platform;
import dev.nalloc.spi.conformance.OsPrimitivesConformance;

/**
 * The conformance suite against the Linux layer's logic on a simulated kernel: checks the
 * argument checking and bookkeeping on any OS, without touching memory.
 */
class SimulatedLinuxConformanceTest extends OsPrimitivesConformance {

    private final OsPrimitives os = new LinuxOsPrimitives(new Platform("Linux", "amd64"), arch -> new SimulatedKernel());

    @Override
    protected OsPrimitives os() {
        return os;
    }

    @Override
    protected boolean realMemory() {
        return false;
    }
}
