package dev.nalloc.os.macos;

import dev.nalloc.spi.Platform;
import dev.nalloc.spi.conformance.SimulatedKernelConformance;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The SPI conformance suite against the macOS layer over a simulated Intel Mac kernel (4 KiB
 * pages, 2 MiB superpages). Linux only: the resident-set check reads the real RSS from /proc.
 */
@EnabledOnOs(OS.LINUX)
class SimulatedIntelMacConformanceTest extends SimulatedKernelConformance<SimulatedDarwinKernel> {

    SimulatedIntelMacConformanceTest() {
        super(new SimulatedDarwinKernel(SimulatedDarwinKernel.Config.intel()),
                kernel -> new MacOsPrimitives(new Platform("Mac OS X", "x86_64"), kernel));
    }
}
