package dev.nalloc.os.macos;

import dev.nalloc.spi.Platform;
import dev.nalloc.spi.conformance.EngineOnOsLayerConformance;

/**
 * The engine (allocator-core) over the macOS layer over a simulated Apple silicon kernel: 16 KiB
 * pages, MADV_FREE_REUSABLE decommit and partial munmap hold for a whole allocator, and
 * closing it gives every mapping back and leaves no footprint.
 */
class EngineOnSimulatedMacOsTest extends EngineOnOsLayerConformance {

    @Override
    protected Kernel startKernel() {
        SimulatedDarwinKernel kernel = new SimulatedDarwinKernel(SimulatedDarwinKernel.Config.appleSilicon());
        return new Kernel(new MacOsPrimitives(new Platform("Mac OS X", "aarch64"), kernel),
                kernel::mappedBytes, kernel::footprint, kernel);
    }
}
