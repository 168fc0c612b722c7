package dev.nalloc.os.windows;

import dev.nalloc.spi.Platform;
import dev.nalloc.spi.conformance.SimulatedKernelConformance;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The SPI conformance suite against the Windows layer over the simulated kernel (4 KiB pages,
 * 64 KiB granularity, two NUMA nodes, an account without SeLockMemoryPrivilege, a Windows without
 * VirtualAlloc2 so that aligned reservations take the release-and-re-reserve path). Linux only: the
 * resident-set check reads the real RSS from /proc.
 */
@EnabledOnOs(OS.LINUX)
class SimulatedWindowsWithoutPrivilegeConformanceTest extends SimulatedKernelConformance<SimulatedWindowsKernel> {

    SimulatedWindowsWithoutPrivilegeConformanceTest() {
        super(new SimulatedWindowsKernel(SimulatedWindowsKernel.Config.standard().withLockMemoryGrantable(false)
                        .withNumaNodes(2).withoutVirtualAlloc2()),
                kernel -> new WindowsOsPrimitives(new Platform("Windows 11", "amd64"), kernel));
    }
}
