package dev.nalloc.os.macos;

import dev.nalloc.spi.OsPrimitives.Allocation;
import dev.nalloc.spi.OsPrimitives.MemoryConfig;
import dev.nalloc.spi.OsPrimitives.ProcessInfo;
import dev.nalloc.spi.Platform;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

/** The exact libSystem calls the macOS layer makes, verified on a mock of {@link DarwinCalls}. */
@SuppressWarnings("restricted") // the mocks fill the layer's structs by address, as XNU does
class MacOsPrimitivesCallsTest {

    private static final long PAGE = 16 * 1024;
    private static final int TAG = 100 << 24;
    private static final long A = 0x1_0000_0000L;

    private DarwinCalls calls;
    private MacOsPrimitives os;

    @BeforeEach
    void setUp() {
        calls = mock(DarwinCalls.class);
        answerSysctl(calls, PAGE, 64L << 30);
        os = new MacOsPrimitives(new Platform("Mac OS X", "aarch64"), calls);
    }

    static void answerSysctl(DarwinCalls calls, long pageSize, long memsize) {
        doAnswer(inv -> {
            String name = inv.getArgument(0);
            MemorySegment value = ((MemorySegment) inv.getArgument(1)).reinterpret(8);
            MemorySegment length = ((MemorySegment) inv.getArgument(2)).reinterpret(8);
            value.set(JAVA_LONG, 0, name.equals("hw.pagesize") ? pageSize : memsize);
            length.set(JAVA_LONG, 0, 8);
            return 0;
        }).when(calls).sysctlbyname(any(), any(), any(), any(), anyLong());
    }

    @Test
    void memoryConfigComesFromSysctl() {
        MemoryConfig c = os.memoryConfig();
        assertEquals(new MemoryConfig(PAGE, 0, PAGE, 64L << 30, 47, true, true, true), c);
        verify(calls).sysctlbyname(eq("hw.pagesize"), any(), any(), eq(MemorySegment.NULL), eq(0L));
        verify(calls).sysctlbyname(eq("hw.memsize"), any(), any(), eq(MemorySegment.NULL), eq(0L));
        os.memoryConfig();
        verify(calls, times(2)).sysctlbyname(any(), any(), any(), any(), anyLong()); // detected once
    }

    @Test
    void memoryConfigReadsFourByteSysctlValues() {
        DarwinCalls c = mock(DarwinCalls.class);
        doAnswer(inv -> {
            ((MemorySegment) inv.getArgument(1)).reinterpret(8).set(JAVA_INT, 0, 4096);
            ((MemorySegment) inv.getArgument(2)).reinterpret(8).set(JAVA_LONG, 0, 4);
            return 0;
        }).when(c).sysctlbyname(any(), any(), any(), any(), anyLong());
        MemoryConfig config = new MacOsPrimitives(new Platform("Mac OS X", "x86_64"), c).memoryConfig();
        assertEquals(4096, config.pageSize());
        assertEquals(4096, config.physicalMemory());
        assertEquals(2L << 20, config.largePageSize(), "Intel Macs have 2 MiB superpages");
    }

    @Test
    void memoryConfigFallsBackWhenSysctlFails() {
        DarwinCalls c = mock(DarwinCalls.class);
        when(c.sysctlbyname(any(), any(), any(), any(), anyLong())).thenReturn(-1);
        MemoryConfig arm = new MacOsPrimitives(new Platform("Mac OS X", "aarch64"), c).memoryConfig();
        assertEquals(16 * 1024, arm.pageSize());
        assertEquals(32L << 30, arm.physicalMemory());
        MemoryConfig intel = new MacOsPrimitives(new Platform("Mac OS X", "x86_64"), c).memoryConfig();
        assertEquals(4096, intel.pageSize());
    }

    @Test
    void reserveMapsAnonymousPrivateNoAccessMemoryWithTheVmTag() {
        when(calls.mmap(anyLong(), anyLong(), anyInt(), anyInt(), anyInt(), anyLong())).thenReturn(A);
        Allocation a = os.alloc(0, 4 * PAGE, 0, false, false);
        assertEquals(new Allocation(A, 4 * PAGE, false, true, 0), a);
        verify(calls).mmap(0, 4 * PAGE, Darwin.PROT_NONE, Darwin.MAP_PRIVATE | Darwin.MAP_ANON | Darwin.MAP_NORESERVE,
                TAG, 0);
    }

    @Test
    void optionOsTagTagsTheMappingsOfTheInstanceItConfigures() {
        dev.nalloc.api.OptionValues defaults = dev.nalloc.api.OptionValues.defaults();
        assertTrue(os.configure(defaults) == os, "the default tag 100: the same layer");
        MacOsPrimitives tagged = os.configure(defaults.with(java.util.Map.of(dev.nalloc.api.Option.OS_TAG, 240L)));
        assertEquals(240, tagged.vmTag());
        assertEquals(100, os.vmTag(), "the layer it came from keeps its tag");
        when(calls.mmap(anyLong(), anyLong(), anyInt(), anyInt(), anyInt(), anyLong())).thenReturn(A);
        tagged.alloc(0, 4 * PAGE, 0, false, false);
        verify(calls).mmap(0, 4 * PAGE, Darwin.PROT_NONE, Darwin.MAP_PRIVATE | Darwin.MAP_ANON | Darwin.MAP_NORESERVE,
                240 << 24, 0);
        assertEquals(254, MacOsPrimitives.vmTagOf(99), "tags below 100 are the system's: 254, as mimalloc");
        assertEquals(254, MacOsPrimitives.vmTagOf(256));
        assertEquals(255, MacOsPrimitives.vmTagOf(255));
    }

    @Test
    void committedAllocationIsReadWrite() {
        when(calls.mmap(anyLong(), anyLong(), anyInt(), anyInt(), anyInt(), anyLong())).thenReturn(A);
        os.alloc(A, 2 * PAGE, 0, true, false);
        verify(calls).mmap(A, 2 * PAGE, Darwin.PROT_READ | Darwin.PROT_WRITE,
                Darwin.MAP_PRIVATE | Darwin.MAP_ANON | Darwin.MAP_NORESERVE, TAG, 0);
    }

    @Test
    void failedMmapReportsErrno() {
        when(calls.mmap(anyLong(), anyLong(), anyInt(), anyInt(), anyInt(), anyLong())).thenReturn(-1L);
        when(calls.errno()).thenReturn(Darwin.ENOMEM);
        assertEquals(Allocation.failed(Darwin.ENOMEM), os.alloc(0, PAGE, 0, true, false));
    }

    @Test
    void badSizesAreRefusedWithoutACall() {
        assertEquals(Allocation.failed(Darwin.EINVAL), os.alloc(0, PAGE + 1, 0, true, false));
        assertEquals(Allocation.failed(Darwin.EINVAL), os.alloc(0, 0, 0, true, false));
        assertEquals(Allocation.failed(Darwin.EINVAL), os.alloc(A + 1, PAGE, 0, true, false));
        assertEquals(Darwin.EINVAL, os.free(A, PAGE / 2));
        assertEquals(Darwin.EINVAL, os.commit(A + 8, PAGE).error());
        assertEquals(Darwin.EINVAL, os.protect(0, PAGE, true));
        verify(calls, never()).mmap(anyLong(), anyLong(), anyInt(), anyInt(), anyInt(), anyLong());
        verify(calls, never()).munmap(anyLong(), anyLong());
        verify(calls, never()).mprotect(anyLong(), anyLong(), anyInt());
    }

    @Test
    void commitIsMprotectReadWriteAndNotKnownZero() {
        var r = os.commit(A, PAGE);
        assertEquals(0, r.error());
        assertFalse(r.zero(), "mprotect does not zero a partly committed range");
        verify(calls).mprotect(A, PAGE, Darwin.PROT_READ | Darwin.PROT_WRITE);
    }

    @Test
    void decommitIsMadviseFreeReusableAndNeedsNoRecommit() {
        var r = os.decommit(A, 3 * PAGE);
        assertEquals(0, r.error());
        assertFalse(r.needsRecommit());
        verify(calls).madvise(A, 3 * PAGE, Darwin.MADV_FREE_REUSABLE);
        verify(calls, never()).madvise(A, 3 * PAGE, Darwin.MADV_DONTNEED);
    }

    @Test
    void decommitFallsBackToDontNeed() {
        when(calls.madvise(A, PAGE, Darwin.MADV_FREE_REUSABLE)).thenReturn(-1);
        assertEquals(0, os.decommit(A, PAGE).error());
        InOrder order = inOrder(calls);
        order.verify(calls).madvise(A, PAGE, Darwin.MADV_FREE_REUSABLE);
        order.verify(calls).madvise(A, PAGE, Darwin.MADV_DONTNEED);
    }

    @Test
    void decommitReportsTheErrnoWhenBothAdvicesFail() {
        when(calls.madvise(anyLong(), anyLong(), anyInt())).thenReturn(-1);
        when(calls.errno()).thenReturn(Darwin.ENOMEM);
        assertEquals(Darwin.ENOMEM, os.decommit(A, PAGE).error());
    }

    @Test
    void resetIsMadviseFreeReusableAndReuseIsFreeReuse() {
        assertEquals(0, os.reset(A, PAGE));
        assertEquals(0, os.reuse(A, PAGE));
        InOrder order = inOrder(calls);
        order.verify(calls).madvise(A, PAGE, Darwin.MADV_FREE_REUSABLE);
        order.verify(calls).madvise(A, PAGE, Darwin.MADV_FREE_REUSE);
    }

    @Test
    void reuseReportsErrno() {
        when(calls.madvise(A, PAGE, Darwin.MADV_FREE_REUSE)).thenReturn(-1);
        when(calls.errno()).thenReturn(Darwin.EINVAL);
        assertEquals(Darwin.EINVAL, os.reuse(A, PAGE));
    }

    @Test
    void protectIsMprotectNoneAndBack() {
        assertEquals(0, os.protect(A, PAGE, true));
        assertEquals(0, os.protect(A, PAGE, false));
        InOrder order = inOrder(calls);
        order.verify(calls).mprotect(A, PAGE, Darwin.PROT_NONE);
        order.verify(calls).mprotect(A, PAGE, Darwin.PROT_READ | Darwin.PROT_WRITE);
    }

    @Test
    void freeIsMunmapOfTheRange() {
        assertEquals(0, os.free(A + PAGE, PAGE));
        verify(calls).munmap(A + PAGE, PAGE);
        when(calls.munmap(A, PAGE)).thenReturn(-1);
        when(calls.errno()).thenReturn(Darwin.EINVAL);
        assertEquals(Darwin.EINVAL, os.free(A, PAGE));
    }

    @Test
    void transparentHugePagesAreNotSupported() {
        assertEquals(Darwin.ENOTSUP, os.setTransparentHugePages(true));
    }

    @Test
    void hugePagesOnAppleSiliconAreRefusedWithEnomem() {
        assertEquals(Allocation.failed(Darwin.ENOMEM), os.allocHugeOsPages(0, 1L << 30, 0));
        verify(calls, never()).mmap(anyLong(), anyLong(), anyInt(), anyInt(), anyInt(), anyLong());
    }

    @Test
    void numaIsOneNode() {
        assertEquals(1, os.numaNodeCount());
        assertEquals(0, os.currentNumaNode());
    }

    @Test
    void randomBytesUseGetentropyInChunksOf256() {
        byte[] buffer = new byte[1000];
        assertEquals(0, os.randomBytes(buffer));
        verify(calls, times(3)).getentropy(any(), eq(256L));
        verify(calls).getentropy(any(), eq(232L));
    }

    @Test
    void randomBytesFallBackToSecureRandomWhenGetentropyFails() {
        when(calls.getentropy(any(), anyLong())).thenReturn(-1);
        byte[] a = new byte[64];
        assertEquals(0, os.randomBytes(a));
        assertFalse(java.util.Arrays.equals(a, new byte[64]), "the fallback left the buffer zero");
    }

    @Test
    void processInfoReadsRusageAndProcPidRusage() {
        when(calls.getpid()).thenReturn(4242);
        when(calls.getrusage(eq(Darwin.RUSAGE_SELF), any())).thenAnswer(inv -> {
            MemorySegment r = ((MemorySegment) inv.getArgument(1)).reinterpret(144);
            r.set(JAVA_LONG, 0, 3);          // ru_utime.tv_sec
            r.set(JAVA_INT, 8, 250_000);     // ru_utime.tv_usec
            r.set(JAVA_LONG, 16, 1);         // ru_stime.tv_sec
            r.set(JAVA_INT, 24, 5_000);      // ru_stime.tv_usec
            r.set(JAVA_LONG, 32, 300L << 20); // ru_maxrss, bytes
            r.set(JAVA_LONG, 72, 17);        // ru_majflt
            return 0;
        });
        when(calls.procPidRusage(eq(4242), eq(Darwin.RUSAGE_INFO_V4), any())).thenAnswer(inv -> {
            MemorySegment r = ((MemorySegment) inv.getArgument(2)).reinterpret(296);
            r.set(JAVA_LONG, 64, 200L << 20);  // ri_resident_size
            r.set(JAVA_LONG, 72, 150L << 20);  // ri_phys_footprint
            r.set(JAVA_LONG, 240, 180L << 20); // ri_lifetime_max_phys_footprint
            return 0;
        });
        ProcessInfo p = os.processInfo();
        assertEquals(3250, p.userMillis());
        assertEquals(1005, p.systemMillis());
        assertEquals(300L << 20, p.peakRss());
        assertEquals(200L << 20, p.currentRss());
        assertEquals(150L << 20, p.currentCommit());
        assertEquals(180L << 20, p.peakCommit());
        assertEquals(17, p.pageFaults());
        assertTrue(p.elapsedMillis() >= 0);
        verify(calls, never()).procPidRusage(anyInt(), eq(Darwin.RUSAGE_INFO_V2), any());
    }

    @Test
    void processInfoFallsBackToRusageInfoV2OnOlderMacOs() {
        when(calls.getpid()).thenReturn(4242);
        when(calls.procPidRusage(eq(4242), eq(Darwin.RUSAGE_INFO_V4), any())).thenReturn(-1);
        when(calls.procPidRusage(eq(4242), eq(Darwin.RUSAGE_INFO_V2), any())).thenAnswer(inv -> {
            MemorySegment r = ((MemorySegment) inv.getArgument(2)).reinterpret(160);
            r.set(JAVA_LONG, 64, 200L << 20);
            r.set(JAVA_LONG, 72, 150L << 20);
            return 0;
        });
        ProcessInfo p = os.processInfo();
        assertEquals(200L << 20, p.currentRss());
        assertEquals(150L << 20, p.currentCommit());
        assertEquals(-1, p.peakCommit(), "v2 has no footprint peak");
    }

    @Test
    void processInfoSaysMinusOneForWhatFailed() {
        when(calls.getrusage(anyInt(), any())).thenReturn(-1);
        when(calls.procPidRusage(anyInt(), anyInt(), any())).thenReturn(-1);
        ProcessInfo p = os.processInfo();
        assertEquals(-1, p.userMillis());
        assertEquals(-1, p.currentRss());
        assertEquals(-1, p.peakRss());
        assertEquals(-1, p.currentCommit());
        assertEquals(-1, p.peakCommit());
        assertEquals(-1, p.pageFaults());
    }

    @Test
    void noKernelCallBeyondTheOnesAsked() {
        os.memoryConfig();
        os.commit(A, PAGE);
        verify(calls, times(2)).sysctlbyname(any(), any(), any(), any(), anyLong());
        verify(calls).mprotect(A, PAGE, Darwin.PROT_READ | Darwin.PROT_WRITE);
        verifyNoMoreInteractions(calls);
    }
}
