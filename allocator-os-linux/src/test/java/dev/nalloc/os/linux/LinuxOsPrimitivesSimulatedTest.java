package dev.nalloc.os.linux;

import dev.nalloc.spi.OsPrimitives.Allocation;
import dev.nalloc.spi.OsPrimitives.CommitResult;
import dev.nalloc.spi.OsPrimitives.DecommitResult;
import dev.nalloc.spi.OsPrimitives.MemoryConfig;
import dev.nalloc.spi.OsPrimitives.ProcessInfo;
import dev.nalloc.spi.Platform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.nalloc.os.linux.LinuxConstants.EINVAL;
import static dev.nalloc.os.linux.LinuxConstants.ENOMEM;
import static dev.nalloc.os.linux.LinuxConstants.ENOSYS;
import static dev.nalloc.os.linux.LinuxConstants.EPERM;
import static dev.nalloc.os.linux.LinuxConstants.MADV_DONTNEED;
import static dev.nalloc.os.linux.LinuxConstants.MADV_FREE;
import static dev.nalloc.os.linux.LinuxConstants.MADV_HUGEPAGE;
import static dev.nalloc.os.linux.LinuxConstants.MAP_HUGETLB;
import static dev.nalloc.os.linux.LinuxConstants.MAP_HUGE_1GB;
import static dev.nalloc.os.linux.LinuxConstants.MAP_HUGE_2MB;
import static dev.nalloc.os.linux.LinuxConstants.MAP_NORESERVE;
import static dev.nalloc.os.linux.LinuxConstants.MPOL_PREFERRED;
import static dev.nalloc.os.linux.LinuxConstants.PROT_NONE;
import static dev.nalloc.os.linux.LinuxConstants.PROT_READ_WRITE;
import static dev.nalloc.os.linux.LinuxConstants.PR_SET_THP_DISABLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Linux layer's policy and fallbacks, against a simulated kernel. */
class LinuxOsPrimitivesSimulatedTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    /** The MAP_HUGE_* page size field (bits 26 to 31). */
    private static final int HUGE_SIZE = 0x3f << 26;

    private final SimulatedKernel kernel = new SimulatedKernel();
    private final LinuxOsPrimitives os = new LinuxOsPrimitives(new Platform("Linux", "amd64"), arch -> kernel);

    private SimulatedKernel.Call onlyCall(String name) {
        List<SimulatedKernel.Call> calls = kernel.calls(name);
        assertEquals(1, calls.size(), () -> name + " calls: " + kernel.calls());
        return calls.get(0);
    }

    // ------------------------------------------------------------------ memory configuration

    @Test
    void memoryConfigComesFromSysconfMeminfoAndOvercommit() {
        MemoryConfig c = os.memoryConfig();
        assertEquals(new MemoryConfig(4096, 2 * MIB, 4096, (1L << 20) * 4096, 47, true, true, true), c);
    }

    @Test
    void aarch64Has48AddressBits() {
        LinuxOsPrimitives arm = new LinuxOsPrimitives(new Platform("Linux", "aarch64"), arch -> kernel);
        assertEquals(48, arm.memoryConfig().virtualAddressBits());
    }

    @Test
    void withoutSysconfThePageSizeDefaultsAndPhysicalMemoryComesFromMeminfo() {
        kernel.sysconfFails = true;
        MemoryConfig c = os.memoryConfig();
        assertEquals(4096, c.pageSize());
        assertEquals(4194304L * 1024, c.physicalMemory());
    }

    @Test
    void withoutHugetlbfsThereAreNoLargePagesAndNoHugeTlbAttempts() {
        kernel.file(LinuxMemoryConfig.MEMINFO, "MemTotal:       4194304 kB\n");
        assertEquals(0, os.memoryConfig().largePageSize());
        Allocation a = os.alloc(0, 4 * MIB, 2 * MIB, true, true);
        assertTrue(a.ok());
        assertFalse(a.large());
        assertEquals(0, onlyCall("mmap").flags() & MAP_HUGETLB);
        assertTrue(kernel.calls("madvise").isEmpty(), "no THP advice without a large page size");
    }

    @Test
    void overcommitModes() {
        assertTrue(new LinuxOsPrimitives(new Platform("Linux", "amd64"), a -> new SimulatedKernel()
                .file(LinuxMemoryConfig.OVERCOMMIT, "1\n")).memoryConfig().hasOvercommit());
        assertFalse(new LinuxOsPrimitives(new Platform("Linux", "amd64"), a -> new SimulatedKernel()
                .file(LinuxMemoryConfig.OVERCOMMIT, "2\n")).memoryConfig().hasOvercommit());
        assertTrue(new LinuxOsPrimitives(new Platform("Linux", "amd64"), a -> new SimulatedKernel()
                .file(LinuxMemoryConfig.OVERCOMMIT, null)).memoryConfig().hasOvercommit(), "unknown counts as overcommit");
    }

    @Test
    void reservationsUseNoReserveOnlyWhenTheKernelOvercommits() {
        assertTrue(os.alloc(0, MIB, 0, false, false).ok());
        SimulatedKernel.Call reserve = onlyCall("mmap");
        assertEquals(PROT_NONE, reserve.arg());
        assertEquals(MAP_NORESERVE, reserve.flags() & MAP_NORESERVE);

        SimulatedKernel strict = new SimulatedKernel().file(LinuxMemoryConfig.OVERCOMMIT, "2\n");
        LinuxOsPrimitives noOvercommit = new LinuxOsPrimitives(new Platform("Linux", "amd64"), a -> strict);
        assertTrue(noOvercommit.alloc(0, MIB, 0, true, false).ok());
        SimulatedKernel.Call commit = strict.calls("mmap").get(0);
        assertEquals(PROT_READ_WRITE, commit.arg());
        assertEquals(0, commit.flags() & MAP_NORESERVE, "MAP_NORESERVE without overcommit");
    }

    // ------------------------------------------------------------------ commit, decommit, reset, protect

    @Test
    void commitIsMprotectAndNeverClaimsZero() {
        Allocation r = os.alloc(0, MIB, 0, false, false);
        assertEquals(PROT_NONE, kernel.protectionAt(r.address()));
        CommitResult c = os.commit(r.address(), MIB);
        assertEquals(new CommitResult(0, false), c);
        assertEquals(PROT_READ_WRITE, kernel.protectionAt(r.address()));
        assertEquals(PROT_READ_WRITE, kernel.protectionAt(r.address() + MIB - 4096));
    }

    @Test
    void decommitIsDontNeedAndKeepsTheMemoryAccessible() {
        Allocation a = os.alloc(0, MIB, 0, true, false);
        kernel.clearCalls();
        DecommitResult d = os.decommit(a.address(), MIB);
        assertEquals(new DecommitResult(0, false), d);
        SimulatedKernel.Call call = onlyCall("madvise");
        assertEquals(MADV_DONTNEED, call.arg());
        assertEquals(PROT_READ_WRITE, kernel.protectionAt(a.address()));
        assertTrue(kernel.calls("mprotect").isEmpty());
    }

    @Test
    void decommitOfUnmappedMemoryReportsTheKernelsError() {
        Allocation a = os.alloc(0, MIB, 0, true, false);
        os.free(a.address(), MIB);
        assertEquals(ENOMEM, os.decommit(a.address(), MIB).error());
        assertEquals(ENOMEM, os.commit(a.address(), MIB).error());
    }

    @Test
    void discardIsDontNeedOverTheWholeRangeAndKeepsEveryProtection() {
        Allocation a = os.alloc(0, MIB, 0, false, false);
        assertEquals(0, os.commit(a.address(), MIB / 2).error());
        assertEquals(0, os.protect(a.address() + 64 * 1024, 4096, true));
        kernel.clearCalls();
        assertEquals(0, os.discard(a.address(), MIB));
        SimulatedKernel.Call call = onlyCall("madvise");
        assertEquals(MADV_DONTNEED, call.arg());
        assertEquals(MIB, call.length());
        assertTrue(kernel.calls("mmap").isEmpty() && kernel.calls("mprotect").isEmpty() && kernel.calls("munmap").isEmpty(),
                "nothing is remapped or unmapped: threads may still use the range");
        assertEquals(PROT_READ_WRITE, kernel.protectionAt(a.address()));
        assertEquals(PROT_NONE, kernel.protectionAt(a.address() + 64 * 1024), "a guard page stays");
        assertEquals(PROT_NONE, kernel.protectionAt(a.address() + MIB / 2), "the reserved part stays reserved");
        assertEquals(EINVAL, os.discard(a.address() + 1, MIB));
    }

    @Test
    void resetUsesMadvFree() {
        Allocation a = os.alloc(0, MIB, 0, true, false);
        kernel.clearCalls();
        assertEquals(0, os.reset(a.address(), MIB));
        assertEquals(MADV_FREE, onlyCall("madvise").arg());
    }

    @Test
    void resetFallsBackToDontNeedForGoodWhenMadvFreeIsUnknown() {
        kernel.madviseFreeUnsupported = true;
        Allocation a = os.alloc(0, MIB, 0, true, false);
        kernel.clearCalls();
        assertEquals(0, os.reset(a.address(), MIB));
        assertEquals(List.of((long) MADV_FREE, (long) MADV_FREE, (long) MADV_DONTNEED),
                kernel.calls("madvise").stream().map(SimulatedKernel.Call::arg).toList(),
                "the range, the one-page probe, then the fallback");
        kernel.clearCalls();
        assertEquals(0, os.reset(a.address(), MIB));
        assertEquals(MADV_DONTNEED, onlyCall("madvise").arg(), "MADV_FREE was tried again");
    }

    @Test
    void resetOfHugeTlbPagesFallsBackForThatRangeOnly() {
        Allocation large = os.alloc(0, 4 * MIB, 2 * MIB, true, true);
        assertTrue(large.large());
        Allocation small = os.alloc(0, MIB, 0, true, false);
        kernel.clearCalls();
        assertEquals(0, os.reset(large.address(), 4 * MIB));
        List<SimulatedKernel.Call> advice = kernel.calls("madvise");
        assertEquals(MADV_FREE, advice.get(0).arg());
        assertEquals(MADV_DONTNEED, advice.get(advice.size() - 1).arg());
        assertEquals(large.address(), advice.get(advice.size() - 1).address());
        assertEquals(1, kernel.calls("munmap").size(), "the MADV_FREE probe mapping was not unmapped");
        kernel.clearCalls();
        assertEquals(0, os.reset(small.address(), MIB));
        assertEquals(MADV_FREE, onlyCall("madvise").arg(), "MADV_FREE given up because of huge TLB pages");
    }

    @Test
    void resetOfUnmappedMemoryReportsTheErrorWithoutSwitchingAdvice() {
        Allocation a = os.alloc(0, MIB, 0, true, false);
        os.free(a.address(), MIB);
        assertEquals(ENOMEM, os.reset(a.address(), MIB));
        Allocation b = os.alloc(0, MIB, 0, true, false);
        kernel.clearCalls();
        assertEquals(0, os.reset(b.address(), MIB));
        assertEquals(MADV_FREE, onlyCall("madvise").arg());
    }

    @Test
    void protectSwitchesBetweenNoneAndReadWrite() {
        Allocation a = os.alloc(0, MIB, 0, true, false);
        assertEquals(0, os.protect(a.address(), 4096, true));
        assertEquals(PROT_NONE, kernel.protectionAt(a.address()));
        assertEquals(PROT_READ_WRITE, kernel.protectionAt(a.address() + 4096), "the next page was protected too");
        assertEquals(0, os.protect(a.address(), 4096, false));
        assertEquals(PROT_READ_WRITE, kernel.protectionAt(a.address()));
    }

    @Test
    void badRangesNeverReachTheKernel() {
        Allocation a = os.alloc(0, MIB, 0, true, false);
        kernel.clearCalls();
        assertEquals(EINVAL, os.protect(a.address(), 1L << 62, true));
        assertEquals(EINVAL, os.decommit(a.address(), 1L << 62).error());
        assertEquals(EINVAL, os.reset(a.address() + 1, 4096));
        assertEquals(EINVAL, os.free(a.address(), 100));
        assertEquals(EINVAL, os.commit(a.address(), 0).error());
        assertEquals(EINVAL, os.reuse(a.address(), -4096));
        assertEquals(EINVAL, os.protect((1L << 47) - 4096, 8192, true), "a range past the user address space");
        assertEquals(EINVAL, os.alloc(4097, MIB, 0, false, false).error(), "an unaligned hint");
        assertEquals(EINVAL, os.alloc(0, MIB + 1, 0, false, false).error());
        assertEquals(List.of(), kernel.calls());
        assertEquals(PROT_READ_WRITE, kernel.protectionAt(a.address()));
        assertEquals(0, os.reuse(a.address(), MIB));
    }

    @Test
    void failedMmapReportsTheErrno() {
        Allocation a = os.alloc(0, 1L << 46, 0, false, false);
        assertEquals(Allocation.failed(ENOMEM), a);
    }

    // ------------------------------------------------------------------ large pages and THP

    @Test
    void largePagesUseMapHugeTlbWithoutNoReserve() {
        Allocation a = os.alloc(0, 4 * MIB, 2 * MIB, true, true);
        assertTrue(a.ok());
        assertTrue(a.large());
        assertTrue(a.zero());
        SimulatedKernel.Call call = onlyCall("mmap");
        assertEquals(MAP_HUGETLB | MAP_HUGE_2MB, call.flags() & (MAP_HUGETLB | HUGE_SIZE));
        assertEquals(0, call.flags() & MAP_NORESERVE);
    }

    @Test
    void largePagesNeedCommitAndALargePageMultiple() {
        assertFalse(os.alloc(0, 4 * MIB, 2 * MIB, false, true).large(), "a reservation used MAP_HUGETLB");
        assertFalse(os.alloc(0, 3 * MIB, 2 * MIB, true, true).large(), "3 MiB is no multiple of 2 MiB");
        assertFalse(os.alloc(0, 4 * MIB, 0, true, true).large(), "no large-page alignment was asked");
        assertFalse(os.alloc(0, 4 * MIB, 2 * MIB, true, false).large(), "large pages were not allowed");
        assertTrue(kernel.calls("mmap").stream().noneMatch(c -> (c.flags() & MAP_HUGETLB) != 0));
    }

    @Test
    void failingMapHugeTlbFallsBackToRegularPagesWithThpAdviceAndBacksOff() {
        kernel.hugeTlbFails = true;
        Allocation a = os.alloc(0, 4 * MIB, 2 * MIB, true, true);
        assertTrue(a.ok());
        assertFalse(a.large());
        List<SimulatedKernel.Call> maps = kernel.calls("mmap");
        assertEquals(2, maps.size());
        assertNotEquals(0, maps.get(0).flags() & MAP_HUGETLB);
        assertEquals(0, maps.get(1).flags() & MAP_HUGETLB);
        SimulatedKernel.Call advice = onlyCall("madvise");
        assertEquals(MADV_HUGEPAGE, advice.arg());
        assertEquals(0, advice.address() % (2 * MIB), "advice on an unaligned range");

        for (int i = 0; i < LinuxOsPrimitives.LARGE_PAGE_BACKOFF; i++) {
            kernel.clearCalls();
            assertTrue(os.alloc(0, 4 * MIB, 2 * MIB, true, true).ok());
            assertEquals(1, kernel.calls("mmap").size(), "MAP_HUGETLB retried during the back-off");
        }
        kernel.hugeTlbFails = false;
        kernel.clearCalls();
        assertTrue(os.alloc(0, 4 * MIB, 2 * MIB, true, true).large(), "MAP_HUGETLB not retried after the back-off");
    }

    @Test
    void thpAdviceCoversOnlyTheLargePageAlignedMiddle() {
        kernel.hugeTlbFails = true;
        Allocation a = os.alloc(0, 5 * MIB, 0, false, true); // no alignment asked: regular mapping, unaligned
        assertTrue(a.ok());
        List<SimulatedKernel.Call> advice = kernel.calls("madvise");
        if (!advice.isEmpty()) {
            SimulatedKernel.Call c = advice.get(0);
            assertEquals(0, c.address() % (2 * MIB));
            assertEquals(0, c.length() % (2 * MIB));
            assertTrue(c.address() >= a.address() && c.address() + c.length() <= a.address() + a.size());
        }
        kernel.clearCalls();
        assertTrue(os.alloc(0, MIB, 0, true, true).ok());
        assertTrue(kernel.calls("madvise").isEmpty(), "advice on a range smaller than a large page");
    }

    @Test
    void disablingThpUsesPrctlAndStopsTheAdvice() {
        assertEquals(0, os.setTransparentHugePages(false));
        SimulatedKernel.Call call = onlyCall("prctl");
        assertEquals(PR_SET_THP_DISABLE, call.arg());
        assertEquals(1, call.flags());
        kernel.hugeTlbFails = true;
        kernel.clearCalls();
        assertTrue(os.alloc(0, 4 * MIB, 2 * MIB, true, true).ok());
        assertTrue(kernel.calls("madvise").isEmpty(), "THP advice while THP is disabled");

        assertEquals(0, os.setTransparentHugePages(true));
        assertEquals(0, kernel.calls("prctl").get(kernel.calls("prctl").size() - 1).flags());
    }

    @Test
    void failingPrctlIsReportedAndChangesNothing() {
        kernel.prctlError = EPERM;
        assertEquals(EPERM, os.setTransparentHugePages(false));
        kernel.hugeTlbFails = true;
        kernel.clearCalls();
        assertTrue(os.alloc(0, 4 * MIB, 2 * MIB, true, true).ok());
        assertEquals(MADV_HUGEPAGE, onlyCall("madvise").arg(), "THP advice stopped though prctl failed");
    }

    // ------------------------------------------------------------------ huge OS pages and NUMA

    @Test
    void hugeOsPagesUse1GiBPagesAndBindToTheNode() {
        Allocation a = os.allocHugeOsPages(0, 2 * GIB, 1);
        assertTrue(a.ok());
        assertTrue(a.large());
        assertTrue(a.zero());
        assertEquals(MAP_HUGE_1GB, onlyCall("mmap").flags() & HUGE_SIZE);
        SimulatedKernel.Call bind = onlyCall("mbind");
        assertEquals(MPOL_PREFERRED, bind.arg());
        assertEquals(1L << 1, bind.flags());
        assertEquals(a.address(), bind.address());
        assertEquals(2 * GIB, bind.length());
    }

    @Test
    void hugeOsPagesOnAnyNodeAreNotBound() {
        assertTrue(os.allocHugeOsPages(0, GIB, -1).ok());
        assertTrue(kernel.calls("mbind").isEmpty());
    }

    @Test
    void without1GiBPagesHugeOsPagesFallBackTo2MiBPagesAndStopTrying1GiB() {
        kernel.huge1GiBFails = true;
        Allocation a = os.allocHugeOsPages(0, GIB, 0);
        assertTrue(a.ok());
        List<SimulatedKernel.Call> maps = kernel.calls("mmap");
        assertEquals(2, maps.size());
        assertEquals(MAP_HUGE_1GB, maps.get(0).flags() & HUGE_SIZE);
        assertEquals(MAP_HUGE_2MB, maps.get(1).flags() & HUGE_SIZE);
        kernel.clearCalls();
        assertTrue(os.allocHugeOsPages(0, GIB, 0).ok());
        assertEquals(MAP_HUGE_2MB, onlyCall("mmap").flags() & HUGE_SIZE, "1 GiB pages tried again");
    }

    @Test
    void failingMbindKeepsTheAllocation() {
        kernel.mbindError = EINVAL;
        Allocation a = os.allocHugeOsPages(0, GIB, 0);
        assertTrue(a.ok());
        assertEquals(PROT_READ_WRITE, kernel.protectionAt(a.address()));
    }

    @Test
    void withoutHugePagesAllocHugeOsPagesFails() {
        kernel.hugeTlbFails = true;
        assertEquals(Allocation.failed(ENOMEM), os.allocHugeOsPages(0, GIB, 0));
        assertEquals(0, kernel.mappedBytes());
        assertEquals(Allocation.failed(EINVAL), os.allocHugeOsPages(0, GIB + 4096, 0));
        assertEquals(Allocation.failed(EINVAL), os.allocHugeOsPages(4096, GIB, 0));
    }

    @Test
    void numaNodesAreCountedFromSysAndTheCurrentNodeFromGetcpu() {
        kernel.directory(LinuxOsPrimitives.NUMA_NODES, List.of("node0", "node1", "node2", "node3", "possible", "nodeX"));
        kernel.getcpuNode = 2;
        assertEquals(4, os.numaNodeCount());
        assertEquals(2, os.currentNumaNode());
        kernel.getcpuNode = 9;
        assertEquals(0, os.currentNumaNode(), "a node beyond the count");
    }

    @Test
    void withoutNumaThereIsOneNodeAndNodeZero() {
        kernel.directory(LinuxOsPrimitives.NUMA_NODES, null).withoutGetcpu();
        assertEquals(1, os.numaNodeCount());
        assertEquals(0, os.currentNumaNode());
    }

    // ------------------------------------------------------------------ process, random, errors

    @Test
    void processInfoComesFromStatusAndRusage() {
        ProcessInfo p = os.processInfo();
        assertEquals(102400L * 1024, p.currentRss());
        assertEquals(204800L * 1024, p.peakRss());
        assertEquals(1500, p.userMillis());
        assertEquals(250, p.systemMillis());
        assertEquals(7, p.pageFaults());
        assertEquals(-1, p.currentCommit());
        assertEquals(-1, p.peakCommit());
        assertTrue(p.elapsedMillis() >= 0);
    }

    @Test
    void processInfoDegradesWhenTheKernelSaysNothing() {
        kernel.rusageFails = true;
        kernel.file(LinuxOsPrimitives.SELF_STATUS, null);
        ProcessInfo p = os.processInfo();
        assertEquals(-1, p.currentRss());
        assertEquals(-1, p.peakRss());
        assertEquals(-1, p.userMillis());
        assertEquals(-1, p.pageFaults());
    }

    @Test
    void peakRssFallsBackToRusage() {
        kernel.file(LinuxOsPrimitives.SELF_STATUS, "VmRSS:\t  1000 kB\n");
        assertEquals(300_000L * 1024, os.processInfo().peakRss());
    }

    @Test
    void randomBytesSurviveShortReadsAndInterruptions() {
        kernel.getrandomShortRead = 7;
        kernel.getrandomInterruptions = 2;
        byte[] buffer = new byte[100];
        assertEquals(0, os.randomBytes(buffer));
        assertFalse(java.util.Arrays.equals(new byte[30], java.util.Arrays.copyOfRange(buffer, 70, 100)));
        assertEquals(2 + 15, kernel.calls("getrandom").size());
    }

    @Test
    void randomBytesReportTheKernelsError() {
        kernel.getrandomError = ENOSYS;
        byte[] buffer = new byte[16];
        assertEquals(ENOSYS, os.randomBytes(buffer));
        assertArrayEquals(new byte[16], buffer);
    }

    @Test
    void errorsAreDescribedWithTheirSymbolicName() {
        assertEquals("ENOMEM: cannot allocate memory (errno 12)", os.describeError(12));
        assertEquals("EINVAL: invalid argument (errno 22)", os.describeError(22));
        assertEquals("unknown error (errno 4242)", os.describeError(4242));
        assertEquals("success (errno 0)", os.describeError(0));
    }

    @Test
    void alignedHintsPlaceAlignedReservationsAtTheFirstTry() {
        Allocation a = os.allocAligned(4 * MIB, 4 * MIB, false, false);
        assertTrue(a.ok());
        assertEquals(0, a.address() % (4 * MIB));
        assertEquals(1, kernel.calls("mmap").size(), "needed more than one mmap: " + kernel.calls());
        assertNotEquals(0, onlyCall("mmap").address(), "no hint given");
    }

    @Test
    void largeReservationsGetNoHint() {
        assertTrue(os.alloc(0, 2 * GIB, 32 * MIB, false, false).ok());
        assertEquals(0, onlyCall("mmap").address());
    }
}
