package dev.nalloc.os.windows;

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
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyShort;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/** The exact Win32 calls the Windows layer makes, verified on a mock of {@link Kernel32Calls}. */
@SuppressWarnings("restricted") // the mocks fill the layer's structs by address, as Windows does
class WindowsOsPrimitivesCallsTest {

    private static final long PAGE = 4096;
    private static final long G = 64 * 1024;
    private static final long A = 0x2_0000_0000L;

    private Kernel32Calls calls;
    private WindowsOsPrimitives os;

    @BeforeEach
    void setUp() {
        calls = mock(Kernel32Calls.class);
        answerSystem(calls, 16L << 30, 2L << 20);
        os = new WindowsOsPrimitives(new Platform("Windows 11", "amd64"), calls);
    }

    static void answerSystem(Kernel32Calls calls, long physical, long largePage) {
        doAnswer(inv -> {
            MemorySegment s = ((MemorySegment) inv.getArgument(0)).reinterpret(48);
            s.set(JAVA_INT, 4, (int) PAGE);
            s.set(JAVA_LONG, 16, 0x7FFF_FFFE_FFFFL);
            s.set(JAVA_INT, 40, (int) G);
            return null;
        }).when(calls).getSystemInfo(any());
        when(calls.globalMemoryStatusEx(any())).thenAnswer(inv -> {
            MemorySegment s = ((MemorySegment) inv.getArgument(0)).reinterpret(64);
            if (s.get(JAVA_INT, 0) != 64) {
                return 0;
            }
            s.set(JAVA_LONG, 8, physical);
            return 1;
        });
        when(calls.getLargePageMinimum()).thenReturn(largePage);
    }

    @Test
    void memoryConfigComesFromSystemInfoAndMemoryStatus() {
        assertEquals(new MemoryConfig(PAGE, 2L << 20, G, 16L << 30, 47, false, false, true), os.memoryConfig());
        os.memoryConfig();
        verify(calls, times(1)).getSystemInfo(any());
    }

    @Test
    void memoryConfigFallsBackWhenTheStatusCallFails() {
        Kernel32Calls c = mock(Kernel32Calls.class);
        MemoryConfig config = new WindowsOsPrimitives(new Platform("Windows 11", "amd64"), c).memoryConfig();
        assertEquals(new MemoryConfig(4096, 0, 64 * 1024, 32L << 30, 47, false, false, true), config);
    }

    @Test
    void reserveIsVirtualAllocMemReserve() {
        when(calls.virtualAlloc(anyLong(), anyLong(), anyInt(), anyInt())).thenReturn(A);
        assertEquals(new Allocation(A, 4 * G, false, true, 0), os.alloc(0, 4 * G, 0, false, false));
        verify(calls).virtualAlloc(0, 4 * G, Win32.MEM_RESERVE, Win32.PAGE_READWRITE);
    }

    @Test
    void reserveAndCommitInOneCall() {
        when(calls.virtualAlloc(anyLong(), anyLong(), anyInt(), anyInt())).thenReturn(A);
        os.alloc(0, G, 0, true, false);
        verify(calls).virtualAlloc(0, G, Win32.MEM_RESERVE | Win32.MEM_COMMIT, Win32.PAGE_READWRITE);
    }

    @Test
    void anAlignmentAboveTheGranularityGoesToVirtualAlloc2WithAddressRequirements() {
        when(calls.virtualAlloc2(anyLong(), anyLong(), anyLong(), anyInt(), anyInt(), any(), anyInt())).thenAnswer(inv -> {
            MemorySegment parameter = ((MemorySegment) inv.getArgument(5)).reinterpret(16);
            assertEquals(Win32.MEM_EXTENDED_PARAMETER_ADDRESS_REQUIREMENTS, parameter.get(JAVA_LONG, 0) & 0xFF);
            MemorySegment requirements = MemorySegment.ofAddress(parameter.get(JAVA_LONG, 8)).reinterpret(24);
            assertEquals(0, requirements.get(JAVA_LONG, 0));
            assertEquals(0, requirements.get(JAVA_LONG, 8));
            assertEquals(1L << 22, requirements.get(JAVA_LONG, 16));
            return A;
        });
        assertEquals(new Allocation(A, 8 * G, false, true, 0), os.alloc(0, 8 * G, 1L << 22, false, false));
        verify(calls).virtualAlloc2(eq(Win32.CURRENT_PROCESS), eq(0L), eq(8 * G), eq(Win32.MEM_RESERVE),
                eq(Win32.PAGE_READWRITE), any(), eq(1));
        verify(calls, never()).virtualAlloc(anyLong(), anyLong(), anyInt(), anyInt());
    }

    @Test
    void smallAlignmentsAndHintsDoNotUseVirtualAlloc2() {
        when(calls.virtualAlloc(anyLong(), anyLong(), anyInt(), anyInt())).thenReturn(A);
        os.alloc(0, G, G, false, false);
        os.alloc(A, G, 1L << 22, false, false);
        verify(calls, never()).virtualAlloc2(anyLong(), anyLong(), anyLong(), anyInt(), anyInt(), any(), anyInt());
    }

    @Test
    void withoutVirtualAlloc2ItFallsBackAndStopsAsking() {
        when(calls.virtualAlloc2(anyLong(), anyLong(), anyLong(), anyInt(), anyInt(), any(), anyInt())).thenReturn(0L);
        when(calls.getLastError()).thenReturn(Win32.ERROR_PROC_NOT_FOUND);
        when(calls.virtualAlloc(anyLong(), anyLong(), anyInt(), anyInt())).thenReturn(A);
        assertEquals(A, os.alloc(0, G, 1L << 22, false, false).address());
        assertEquals(A, os.alloc(0, G, 1L << 22, false, false).address());
        verify(calls, times(1)).virtualAlloc2(anyLong(), anyLong(), anyLong(), anyInt(), anyInt(), any(), anyInt());
        verify(calls, times(2)).virtualAlloc(0, G, Win32.MEM_RESERVE, Win32.PAGE_READWRITE);
    }

    @Test
    void aTakenHintFallsBackToAnywhere() {
        when(calls.virtualAlloc(eq(A), anyLong(), anyInt(), anyInt())).thenReturn(0L);
        when(calls.virtualAlloc(eq(0L), anyLong(), anyInt(), anyInt())).thenReturn(A + G);
        assertEquals(A + G, os.alloc(A, G, 0, false, false).address());
        InOrder order = inOrder(calls);
        order.verify(calls).virtualAlloc(A, G, Win32.MEM_RESERVE, Win32.PAGE_READWRITE);
        order.verify(calls).virtualAlloc(0, G, Win32.MEM_RESERVE, Win32.PAGE_READWRITE);
    }

    @Test
    void failedReserveReportsGetLastError() {
        when(calls.getLastError()).thenReturn(Win32.ERROR_NOT_ENOUGH_MEMORY);
        assertEquals(Allocation.failed(Win32.ERROR_NOT_ENOUGH_MEMORY), os.alloc(0, G, 0, false, false));
    }

    @Test
    void badArgumentsAreRefusedWithoutACall() {
        assertEquals(Allocation.failed(Win32.ERROR_INVALID_PARAMETER), os.alloc(0, PAGE + 1, 0, false, false));
        assertEquals(Allocation.failed(Win32.ERROR_INVALID_PARAMETER), os.alloc(A + PAGE, G, 0, false, false));
        assertEquals(Win32.ERROR_INVALID_PARAMETER, os.free(A, 0));
        assertEquals(Win32.ERROR_INVALID_PARAMETER, os.commit(A + 1, PAGE).error());
        verify(calls, never()).virtualAlloc(anyLong(), anyLong(), anyInt(), anyInt());
        verify(calls, never()).virtualFree(anyLong(), anyLong(), anyInt());
    }

    @Test
    void commitIsMemCommitReadWrite() {
        when(calls.virtualAlloc(anyLong(), anyLong(), anyInt(), anyInt())).thenReturn(A);
        var r = os.commit(A, 3 * PAGE);
        assertEquals(0, r.error());
        assertFalse(r.zero());
        verify(calls).virtualAlloc(A, 3 * PAGE, Win32.MEM_COMMIT, Win32.PAGE_READWRITE);
    }

    @Test
    void decommitIsVirtualFreeMemDecommitAndAlwaysNeedsRecommit() {
        when(calls.virtualFree(anyLong(), anyLong(), anyInt())).thenReturn(1);
        var r = os.decommit(A, 2 * PAGE);
        assertEquals(0, r.error());
        assertTrue(r.needsRecommit());
        verify(calls).virtualFree(A, 2 * PAGE, Win32.MEM_DECOMMIT);
        when(calls.virtualFree(anyLong(), anyLong(), anyInt())).thenReturn(0);
        when(calls.getLastError()).thenReturn(Win32.ERROR_INVALID_ADDRESS);
        var failed = os.decommit(A, 2 * PAGE);
        assertEquals(Win32.ERROR_INVALID_ADDRESS, failed.error());
        assertTrue(failed.needsRecommit(), "after a failed decommit the memory must still be treated as decommitted");
    }

    @Test
    void resetIsMemResetAndReuseIsNothing() {
        when(calls.virtualAlloc(anyLong(), anyLong(), anyInt(), anyInt())).thenReturn(A);
        assertEquals(0, os.reset(A, PAGE));
        assertEquals(0, os.reuse(A, PAGE));
        verify(calls).virtualAlloc(A, PAGE, Win32.MEM_RESET, Win32.PAGE_READWRITE);
        verify(calls, times(1)).virtualAlloc(anyLong(), anyLong(), anyInt(), anyInt());
    }

    @Test
    void protectIsVirtualProtectNoAccessAndBack() {
        when(calls.virtualProtect(anyLong(), anyLong(), anyInt(), any())).thenReturn(1);
        assertEquals(0, os.protect(A, PAGE, true));
        assertEquals(0, os.protect(A, PAGE, false));
        InOrder order = inOrder(calls);
        order.verify(calls).virtualProtect(eq(A), eq(PAGE), eq(Win32.PAGE_NOACCESS), any());
        order.verify(calls).virtualProtect(eq(A), eq(PAGE), eq(Win32.PAGE_READWRITE), any());
    }

    @Test
    void freeChecksTheReservationThenReleasesWithSizeZero() {
        answerQuery(calls, A, 4 * G);
        when(calls.virtualFree(anyLong(), anyLong(), anyInt())).thenReturn(1);
        assertEquals(0, os.free(A, 4 * G));
        verify(calls).virtualFree(A, 0, Win32.MEM_RELEASE);
    }

    @Test
    void freeOfPartOfAReservationIsRefusedWithoutReleasing() {
        answerQuery(calls, A, 4 * G);
        assertEquals(Win32.ERROR_INVALID_PARAMETER, os.free(A, 2 * G));
        assertEquals(Win32.ERROR_INVALID_ADDRESS, os.free(A + G, G));
        assertEquals(Win32.ERROR_INVALID_PARAMETER, os.free(A, 8 * G));
        verify(calls, never()).virtualFree(anyLong(), anyLong(), anyInt());
    }

    /** Answers VirtualQuery as for one reservation [base, base + size) with free space around it. */
    static void answerQuery(Kernel32Calls calls, long base, long size) {
        when(calls.virtualQuery(anyLong(), any(), anyLong())).thenAnswer(inv -> {
            long address = inv.getArgument(0);
            MemorySegment info = ((MemorySegment) inv.getArgument(1)).reinterpret(48);
            info.fill((byte) 0);
            boolean inside = address >= base && address < base + size;
            info.set(JAVA_LONG, 0, address & -PAGE);
            info.set(JAVA_LONG, 8, inside ? base : 0);
            info.set(JAVA_INT, 32, inside ? Win32.MEM_RESERVE : Win32.MEM_FREE);
            return 48L;
        });
    }

    @Test
    void hugePagesOnANodeUseVirtualAllocExNuma() {
        enablePrivilege(calls, true);
        when(calls.virtualAllocExNuma(anyLong(), anyLong(), anyLong(), anyInt(), anyInt(), anyInt())).thenReturn(A);
        Allocation a = os.allocHugeOsPages(0, 1L << 30, 1);
        assertEquals(new Allocation(A, 1L << 30, true, true, 0), a);
        verify(calls).virtualAllocExNuma(Win32.CURRENT_PROCESS, 0, 1L << 30,
                Win32.MEM_LARGE_PAGES | Win32.MEM_RESERVE | Win32.MEM_COMMIT, Win32.PAGE_READWRITE, 1);
    }

    @Test
    void hugePagesOnAnyNodeUseVirtualAlloc() {
        enablePrivilege(calls, true);
        when(calls.virtualAlloc(anyLong(), anyLong(), anyInt(), anyInt())).thenReturn(A);
        os.allocHugeOsPages(0, 1L << 30, -1);
        verify(calls).virtualAlloc(0, 1L << 30, Win32.MEM_LARGE_PAGES | Win32.MEM_RESERVE | Win32.MEM_COMMIT,
                Win32.PAGE_READWRITE);
        verify(calls, never()).virtualAllocExNuma(anyLong(), anyLong(), anyLong(), anyInt(), anyInt(), anyInt());
    }

    /** Answers the token calls; the privilege is granted or not. */
    static void enablePrivilege(Kernel32Calls calls, boolean granted) {
        when(calls.openProcessToken(anyLong(), anyInt(), any())).thenAnswer(inv -> {
            ((MemorySegment) inv.getArgument(2)).reinterpret(8).set(JAVA_LONG, 0, 0x44L);
            return 1;
        });
        when(calls.lookupPrivilegeValue(any(), any())).thenReturn(1);
        when(calls.adjustTokenPrivileges(anyLong(), anyInt(), any(), anyInt(), any(), any())).thenReturn(1);
        when(calls.getLastError()).thenReturn(granted ? 0 : Win32.ERROR_NOT_ALL_ASSIGNED);
        when(calls.closeHandle(anyLong())).thenReturn(1);
    }

    @Test
    void thePrivilegeIsRequestedForSeLockMemoryAndTheTokenClosed() {
        enablePrivilege(calls, true);
        when(calls.virtualAlloc2(anyLong(), anyLong(), anyLong(), anyInt(), anyInt(), any(), anyInt())).thenReturn(0L);
        when(calls.virtualAlloc(anyLong(), anyLong(), anyInt(), anyInt())).thenReturn(A);
        os.alloc(0, 2L << 20, 2L << 20, true, true);
        os.alloc(0, 2L << 20, 2L << 20, true, true);
        verify(calls, times(1)).openProcessToken(eq(Win32.CURRENT_PROCESS),
                eq(Win32.TOKEN_ADJUST_PRIVILEGES | Win32.TOKEN_QUERY), any());
        verify(calls, times(1)).lookupPrivilegeValue(eq("SeLockMemoryPrivilege"), any());
        verify(calls).adjustTokenPrivileges(eq(0x44L), eq(0), any(), eq(0), eq(MemorySegment.NULL), eq(MemorySegment.NULL));
        verify(calls).closeHandle(0x44L);
        verify(calls, times(2)).virtualAlloc(0, 2L << 20,
                Win32.MEM_RESERVE | Win32.MEM_COMMIT | Win32.MEM_LARGE_PAGES, Win32.PAGE_READWRITE);
    }

    @Test
    void randomBytesUseTheSystemPreferredRng() {
        when(calls.bcryptGenRandom(anyLong(), any(), anyInt(), anyInt())).thenAnswer(inv -> {
            ((MemorySegment) inv.getArgument(1)).reinterpret(16).fill((byte) 0x5A);
            return 0;
        });
        byte[] b = new byte[16];
        assertEquals(0, os.randomBytes(b));
        byte[] expected = new byte[16];
        java.util.Arrays.fill(expected, (byte) 0x5A);
        assertArrayEquals(expected, b);
        verify(calls).bcryptGenRandom(eq(0L), any(), eq(16), eq(Win32.BCRYPT_USE_SYSTEM_PREFERRED_RNG));
    }

    @Test
    void randomBytesFallBackWhenBcryptFails() {
        when(calls.bcryptGenRandom(anyLong(), any(), anyInt(), anyInt())).thenReturn(Win32.STATUS_DLL_NOT_FOUND);
        byte[] b = new byte[64];
        assertEquals(0, os.randomBytes(b));
        assertFalse(java.util.Arrays.equals(b, new byte[64]));
    }

    @Test
    void processInfoReadsProcessTimesAndMemoryCounters() {
        long start = System.currentTimeMillis() - 5_000;
        when(calls.getProcessTimes(eq(Win32.CURRENT_PROCESS), any(), any(), any(), any())).thenAnswer(inv -> {
            setTicks(inv.getArgument(1), start * 10_000 + Win32.FILETIME_UNIX_EPOCH);
            setTicks(inv.getArgument(3), 20_000_000L);  // 2 s kernel
            setTicks(inv.getArgument(4), 35_000_000L);  // 3.5 s user
            return 1;
        });
        when(calls.k32GetProcessMemoryInfo(eq(Win32.CURRENT_PROCESS), any(), eq(72))).thenAnswer(inv -> {
            MemorySegment c = ((MemorySegment) inv.getArgument(1)).reinterpret(72);
            assertEquals(72, c.get(JAVA_INT, 0), "cb was not set");
            c.set(JAVA_INT, 4, 1234);
            c.set(JAVA_LONG, 8, 400L << 20);
            c.set(JAVA_LONG, 16, 300L << 20);
            c.set(JAVA_LONG, 56, 250L << 20);
            c.set(JAVA_LONG, 64, 350L << 20);
            return 1;
        });
        ProcessInfo p = os.processInfo();
        assertEquals(2000, p.systemMillis());
        assertEquals(3500, p.userMillis());
        assertTrue(p.elapsedMillis() >= 5_000 && p.elapsedMillis() < 60_000, "elapsed " + p.elapsedMillis());
        assertEquals(300L << 20, p.currentRss());
        assertEquals(400L << 20, p.peakRss());
        assertEquals(250L << 20, p.currentCommit());
        assertEquals(350L << 20, p.peakCommit());
        assertEquals(1234, p.pageFaults());
    }

    private static void setTicks(MemorySegment fileTime, long ticks) {
        MemorySegment f = fileTime.reinterpret(8);
        f.set(JAVA_INT, 0, (int) ticks);
        f.set(JAVA_INT, 4, (int) (ticks >>> 32));
    }

    @Test
    void numaNodesComeFromTheHighestNodeNumber() {
        when(calls.getNumaHighestNodeNumber(any())).thenAnswer(inv -> {
            ((MemorySegment) inv.getArgument(0)).reinterpret(4).set(JAVA_INT, 0, 3);
            return 1;
        });
        when(calls.getNumaProcessorNodeEx(any(), any())).thenAnswer(inv -> {
            ((MemorySegment) inv.getArgument(1)).reinterpret(2).set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) 2);
            return 1;
        });
        when(calls.getNumaNodeProcessorMaskEx(anyShort(), any())).thenAnswer(inv -> {
            ((MemorySegment) inv.getArgument(1)).reinterpret(16).set(JAVA_LONG, 0, 0xF0L);
            return 1;
        });
        assertEquals(4, os.numaNodeCount());
        assertEquals(2, os.currentNumaNode());
        verify(calls).getNumaNodeProcessorMaskEx(eq((short) 3), any());
        verify(calls).getCurrentProcessorNumberEx(any());
    }

    @Test
    void withoutNumaApisThereIsOneNode() {
        when(calls.getNumaHighestNodeNumber(any())).thenReturn(0);
        assertEquals(1, os.numaNodeCount());
        assertEquals(0, os.currentNumaNode());
        verify(calls, never()).getNumaProcessorNodeEx(any(), any());
    }
}
