package dev.nalloc.os.windows;

import dev.nalloc.spi.Platform;
import dev.nalloc.spi.conformance.SimulatedKernelConformance;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The SPI conformance suite against the Windows layer over the simulated kernel (4 KiB pages,
 * 64 KiB granularity, 2 MiB large pages with the privilege granted). Linux only: the
 * resident-set check reads the real RSS from /proc.
 */
@EnabledOnOs(OS.LINUX)
class SimulatedWindowsConformanceTest extends SimulatedKernelConformance<SimulatedWindowsKernel> {

    SimulatedWindowsConformanceTest() {
        super(new SimulatedWindowsKernel(SimulatedWindowsKernel.Config.standard()),
                kernel -> new WindowsOsPrimitives(new Platform("Windows 11", "amd64"), kernel));
    }
}
