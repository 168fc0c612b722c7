package dev.nalloc.os.macos;

import dev.nalloc.spi.OsPrimitives.Allocation;
import dev.nalloc.spi.Platform;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The macOS layer over the simulated kernel: the effects of its calls, not just the calls. */
@SuppressWarnings("restricted") // views the memory the simulated kernel hands out
class MacOsOnSimulatedKernelTest {

    private SimulatedDarwinKernel kernel = new SimulatedDarwinKernel(SimulatedDarwinKernel.Config.appleSilicon());
    private MacOsPrimitives os = new MacOsPrimitives(new Platform("Mac OS X", "aarch64"), kernel);
    private static final long PAGE = 16 * 1024;

    @AfterEach
    void close() {
        kernel.close();
    }

    private void use(SimulatedDarwinKernel.Config config, String arch) {
        kernel.close();
        kernel = new SimulatedDarwinKernel(config);
        os = new MacOsPrimitives(new Platform("Mac OS X", arch), kernel);
    }

    private static MemorySegment at(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    @Test
    void theConfigurationIsTheKernels() {
        assertEquals(PAGE, os.memoryConfig().pageSize());
        assertEquals(PAGE, os.memoryConfig().allocGranularity());
        assertEquals(16L << 30, os.memoryConfig().physicalMemory());
        assertEquals(0, os.memoryConfig().largePageSize());
        assertTrue(os.memoryConfig().hasPartialFree());
    }

    @Test
    void reserveIsInaccessibleUntilCommitted() {
        Allocation a = os.alloc(0, 4 * PAGE, 0, false, false);
        assertTrue(a.ok());
        assertEquals(Darwin.PROT_NONE, kernel.protectionAt(a.address()));
        assertEquals(0, os.commit(a.address(), 2 * PAGE).error());
        assertEquals(Darwin.PROT_READ | Darwin.PROT_WRITE, kernel.protectionAt(a.address() + PAGE));
        assertEquals(Darwin.PROT_NONE, kernel.protectionAt(a.address() + 2 * PAGE));
        assertEquals(0, os.free(a.address(), 4 * PAGE));
        assertFalse(kernel.isMapped(a.address()));
    }

    @Test
    void decommitDropsTheFootprintAndReuseBringsItBack() {
        Allocation a = os.alloc(0, 8 * PAGE, 0, true, false);
        long committed = kernel.footprint();
        at(a.address(), 8 * PAGE).fill((byte) 1);
        assertEquals(0, os.decommit(a.address(), 4 * PAGE).error());
        assertEquals(committed - 4 * PAGE, kernel.footprint());
        assertEquals(0, at(a.address(), PAGE).get(JAVA_LONG, 0), "reusable pages came back with old contents");
        assertEquals(0x0101010101010101L, at(a.address() + 4 * PAGE, PAGE).get(JAVA_LONG, 0));
        assertEquals(0, os.reuse(a.address(), 4 * PAGE));
        assertEquals(committed, kernel.footprint());
        assertEquals(0, os.free(a.address(), 8 * PAGE));
    }

    @Test
    void resetWorksThroughDontNeedWhenReusableIsRefused() {
        use(SimulatedDarwinKernel.Config.appleSilicon().withReusableWorks(false), "aarch64");
        Allocation a = os.alloc(0, 2 * PAGE, 0, true, false);
        at(a.address(), 2 * PAGE).fill((byte) 3);
        assertEquals(0, os.reset(a.address(), 2 * PAGE));
        assertFalse(kernel.isReusable(a.address()));
        assertEquals(0, at(a.address(), PAGE).get(JAVA_LONG, 0));
        assertEquals(0, os.free(a.address(), 2 * PAGE));
    }

    @Test
    void operationsOnUnmappedMemoryReportEnomem() {
        Allocation a = os.alloc(0, 2 * PAGE, 0, true, false);
        assertEquals(0, os.free(a.address(), 2 * PAGE));
        assertEquals(Darwin.ENOMEM, os.commit(a.address(), PAGE).error());
        assertEquals(Darwin.ENOMEM, os.protect(a.address(), PAGE, true));
        assertEquals(Darwin.ENOMEM, os.decommit(a.address(), PAGE).error());
        assertEquals(Darwin.ENOMEM, os.reuse(a.address(), PAGE));
    }

    @Test
    void partialFreeReleasesOnlyThatPart() {
        Allocation a = os.alloc(0, 3 * PAGE, 0, true, false);
        assertEquals(0, os.free(a.address() + PAGE, PAGE));
        assertTrue(kernel.isMapped(a.address()));
        assertFalse(kernel.isMapped(a.address() + PAGE));
        assertTrue(kernel.isMapped(a.address() + 2 * PAGE));
        assertEquals(0, os.free(a.address(), PAGE));
        assertEquals(0, os.free(a.address() + 2 * PAGE, PAGE));
    }

    @Test
    void alignedAllocationsTrimBothEnds() {
        long mapped = kernel.mappedBytes();
        Allocation a = os.allocAligned(4 * PAGE, 1L << 22, true, false);
        assertTrue(a.ok());
        assertEquals(0, a.address() % (1L << 22));
        assertEquals(mapped + 4 * PAGE, kernel.mappedBytes(), "the over-allocation was not trimmed");
        assertEquals(0, os.free(a.address(), a.size()));
    }

    @Test
    void superpagesOnAnIntelMac() {
        use(SimulatedDarwinKernel.Config.intel(), "x86_64");
        long mb2 = 2L << 20;
        Allocation a = os.alloc(0, 2 * mb2, mb2, true, true);
        assertTrue(a.large());
        assertEquals(0, a.address() % mb2);
        at(a.address(), 2 * mb2).set(JAVA_LONG, 2 * mb2 - 8, 5);
        assertEquals(0, os.free(a.address(), a.size()));
        Allocation huge = os.allocHugeOsPages(0, 1L << 30, 0);
        assertTrue(huge.ok() && huge.large());
        assertEquals(0, os.free(huge.address(), huge.size()));
    }

    @Test
    void processInfoComesFromTheKernel() {
        var p = os.processInfo();
        assertTrue(p.userMillis() >= 0);
        assertEquals(kernel.footprint(), p.currentCommit());
        assertTrue(p.peakRss() >= p.currentRss() || p.currentRss() == -1);
    }

    @Test
    void peakCommitIsTheFootprintPeak() {
        long before = kernel.footprint();
        Allocation a = os.alloc(0, 64 * PAGE, 0, true, false);
        long high = before + 64 * PAGE;
        assertEquals(0, os.free(a.address(), a.size()));
        var p = os.processInfo();
        assertEquals(before, p.currentCommit());
        assertTrue(p.peakCommit() >= high, "peak " + p.peakCommit() + " < " + high);
    }

    @Test
    void olderMacOsWithoutRusageInfoV4HasNoPeakCommit() {
        use(SimulatedDarwinKernel.Config.appleSilicon().withoutRusageV4(), "aarch64");
        var p = os.processInfo();
        assertEquals(kernel.footprint(), p.currentCommit());
        assertEquals(-1, p.peakCommit());
    }

    @Test
    void randomBytesStillWorkWhenGetentropyFails() {
        use(SimulatedDarwinKernel.Config.appleSilicon().withEntropyWorks(false), "aarch64");
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        assertEquals(0, os.randomBytes(a));
        assertEquals(0, os.randomBytes(b));
        assertFalse(java.util.Arrays.equals(a, b));
    }

    @Test
    void memoryConfigFallsBackWhenSysctlIsMissing() {
        use(SimulatedDarwinKernel.Config.appleSilicon().withSysctlWorks(false), "aarch64");
        assertEquals(16 * 1024, os.memoryConfig().pageSize());
        assertEquals(MacOsPrimitives.DEFAULT_PHYSICAL_MEMORY, os.memoryConfig().physicalMemory());
    }
}
