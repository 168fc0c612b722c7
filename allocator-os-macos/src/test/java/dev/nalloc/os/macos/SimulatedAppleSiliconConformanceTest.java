package dev.nalloc.os.macos;

import dev.nalloc.spi.Platform;
import dev.nalloc.spi.conformance.SimulatedKernelConformance;
import dev.nalloc.spi.conformance.SkipInheritedTests;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The SPI conformance suite against the macOS layer over a simulated Apple silicon kernel (16 KiB
 * pages, no superpages). Linux only: the resident-set check reads the real RSS from /proc.
 */
@EnabledOnOs(OS.LINUX)
@SkipInheritedTests(value = "residentSetGrowsWhenCommittedMemoryIsTouched",
        reason = "16 KiB simulated pages over 4 KiB host pages: one byte per simulated page makes only a quarter"
                + " resident; SimulatedIntelMacConformanceTest (4 KiB pages) runs this check")
class SimulatedAppleSiliconConformanceTest extends SimulatedKernelConformance<SimulatedDarwinKernel> {

    SimulatedAppleSiliconConformanceTest() {
        super(new SimulatedDarwinKernel(SimulatedDarwinKernel.Config.appleSilicon()),
                kernel -> new MacOsPrimitives(new Platform("Mac OS X", "aarch64"), kernel));
    }
}
