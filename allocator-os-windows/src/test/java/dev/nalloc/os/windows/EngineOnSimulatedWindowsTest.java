package dev.nalloc.os.windows;

import dev.nalloc.spi.Platform;
import dev.nalloc.spi.conformance.EngineOnOsLayerConformance;

/**
 * The engine (allocator-core) over the Windows layer over the simulated kernel: Windows' rules
 * (no partial free, 64 KiB granularity, decommit needing recommit) hold for a whole allocator, and
 * closing it gives every reservation back and leaves nothing committed.
 */
class EngineOnSimulatedWindowsTest extends EngineOnOsLayerConformance {

    @Override
    protected Kernel startKernel() {
        SimulatedWindowsKernel kernel = new SimulatedWindowsKernel(SimulatedWindowsKernel.Config.standard());
        return new Kernel(new WindowsOsPrimitives(new Platform("Windows 11", "amd64"), kernel),
                kernel::reservedBytes, kernel::committedBytes, kernel);
    }
}
