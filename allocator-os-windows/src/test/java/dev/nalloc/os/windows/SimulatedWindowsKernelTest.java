package dev.nalloc.os.windows;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulated Windows memory manager itself: it must behave like the real one. */
@SuppressWarnings("restricted") // views the memory the simulated kernel hands out
class SimulatedWindowsKernelTest {

    private static final long PAGE = 4096;
    private static final long G = 64 * 1024;
    private static final int RW = Win32.PAGE_READWRITE;

    private final SimulatedWindowsKernel kernel = new SimulatedWindowsKernel(SimulatedWindowsKernel.Config.standard());

    @AfterEach
    void close() {
        kernel.close();
    }

    private static MemorySegment at(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    @Test
    void reservationsStartOnTheAllocationGranularity() {
        for (int i = 0; i < 5; i++) {
            long p = kernel.virtualAlloc(0, PAGE * (i + 1), Win32.MEM_RESERVE, RW);
            assertNotEquals(0, p);
            assertEquals(0, p % G);
        }
    }

    @Test
    void committedMemoryIsZeroAndWritable() {
        long p = kernel.virtualAlloc(0, G, Win32.MEM_RESERVE | Win32.MEM_COMMIT, RW);
        assertEquals(0, at(p, G).get(JAVA_LONG, G - 8));
        at(p, G).set(JAVA_LONG, G - 8, 7);
        assertEquals(7, at(p, G).get(JAVA_LONG, G - 8));
    }

    @Test
    void commitOutsideAReservationFailsWithInvalidAddress() {
        long p = kernel.virtualAlloc(0, G, Win32.MEM_RESERVE, RW);
        assertEquals(0, kernel.virtualAlloc(p + G, PAGE, Win32.MEM_COMMIT, RW));
        assertEquals(Win32.ERROR_INVALID_ADDRESS, kernel.getLastError());
        assertEquals(0, kernel.virtualAlloc(p, 2 * G, Win32.MEM_COMMIT, RW), "commit across the end of a reservation");
        assertEquals(Win32.ERROR_INVALID_ADDRESS, kernel.getLastError());
    }

    @Test
    void releaseNeedsTheExactBaseAndSizeZero() {
        long p = kernel.virtualAlloc(0, 2 * G, Win32.MEM_RESERVE, RW);
        assertEquals(0, kernel.virtualFree(p, 2 * G, Win32.MEM_RELEASE));
        assertEquals(Win32.ERROR_INVALID_PARAMETER, kernel.getLastError());
        assertEquals(0, kernel.virtualFree(p + G, 0, Win32.MEM_RELEASE));
        assertEquals(Win32.ERROR_INVALID_ADDRESS, kernel.getLastError());
        assertEquals(1, kernel.virtualFree(p, 0, Win32.MEM_RELEASE));
        assertEquals(null, kernel.reservationAt(p));
    }

    @Test
    void decommitOfASubRangeKeepsTheRestAndRecommitIsZero() {
        long p = kernel.virtualAlloc(0, 4 * PAGE, Win32.MEM_RESERVE | Win32.MEM_COMMIT, RW);
        at(p, 4 * PAGE).fill((byte) 1);
        assertEquals(1, kernel.virtualFree(p + PAGE, 2 * PAGE, Win32.MEM_DECOMMIT));
        assertTrue(kernel.isCommitted(p));
        assertFalse(kernel.isCommitted(p + PAGE));
        assertFalse(kernel.isCommitted(p + 2 * PAGE));
        assertTrue(kernel.isCommitted(p + 3 * PAGE));
        assertEquals(p + PAGE, kernel.virtualAlloc(p + PAGE, 2 * PAGE, Win32.MEM_COMMIT, RW));
        assertEquals(0, at(p + PAGE, PAGE).get(JAVA_LONG, 0));
        assertEquals(0x0101010101010101L, at(p, PAGE).get(JAVA_LONG, 0));
    }

    @Test
    void resetNeedsCommittedMemory() {
        long p = kernel.virtualAlloc(0, 2 * PAGE, Win32.MEM_RESERVE, RW);
        assertEquals(0, kernel.virtualAlloc(p, PAGE, Win32.MEM_RESET, RW));
        assertEquals(Win32.ERROR_INVALID_ADDRESS, kernel.getLastError());
        kernel.virtualAlloc(p, PAGE, Win32.MEM_COMMIT, RW);
        at(p, PAGE).fill((byte) 2);
        assertEquals(p, kernel.virtualAlloc(p, PAGE, Win32.MEM_RESET, RW));
        assertTrue(kernel.isCommitted(p));
        assertEquals(0, at(p, PAGE).get(JAVA_LONG, 0));
    }

    @Test
    void protectNeedsCommittedMemoryAndReportsTheOldProtection() {
        long p = kernel.virtualAlloc(0, 2 * PAGE, Win32.MEM_RESERVE, RW);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(JAVA_INT);
            assertEquals(0, kernel.virtualProtect(p, PAGE, Win32.PAGE_NOACCESS, old));
            assertEquals(Win32.ERROR_INVALID_ADDRESS, kernel.getLastError());
            kernel.virtualAlloc(p, 2 * PAGE, Win32.MEM_COMMIT, RW);
            assertEquals(1, kernel.virtualProtect(p, PAGE, Win32.PAGE_NOACCESS, old));
            assertEquals(Win32.PAGE_READWRITE, old.get(JAVA_INT, 0));
            assertEquals(Win32.PAGE_NOACCESS, kernel.protectionAt(p));
            assertEquals(Win32.PAGE_READWRITE, kernel.protectionAt(p + PAGE));
            assertEquals(0, kernel.virtualProtect(p, PAGE, 0x40, old));
            assertEquals(Win32.ERROR_INVALID_PARAMETER, kernel.getLastError());
        }
    }

    @Test
    void reservingAtATakenAddressFails() {
        long p = kernel.virtualAlloc(0, G, Win32.MEM_RESERVE, RW);
        assertEquals(0, kernel.virtualAlloc(p, G, Win32.MEM_RESERVE, RW));
        assertEquals(Win32.ERROR_INVALID_ADDRESS, kernel.getLastError());
        kernel.virtualFree(p, 0, Win32.MEM_RELEASE);
        assertEquals(p, kernel.virtualAlloc(p, G, Win32.MEM_RESERVE, RW));
    }

    @Test
    void tooLargeFailsWithNotEnoughMemory() {
        assertEquals(0, kernel.virtualAlloc(0, 1L << 62, Win32.MEM_RESERVE, RW));
        assertEquals(Win32.ERROR_NOT_ENOUGH_MEMORY, kernel.getLastError());
        assertEquals(0, kernel.virtualAlloc(0, 0, Win32.MEM_RESERVE, RW));
        assertEquals(Win32.ERROR_INVALID_PARAMETER, kernel.getLastError());
    }

    @Test
    void largePagesNeedThePrivilegeAndReserveWithCommit() {
        long mb2 = 2L << 20;
        assertEquals(0, kernel.virtualAlloc(0, mb2, Win32.MEM_RESERVE | Win32.MEM_COMMIT | Win32.MEM_LARGE_PAGES, RW));
        assertEquals(Win32.ERROR_PRIVILEGE_NOT_HELD, kernel.getLastError());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment token = arena.allocate(JAVA_LONG);
            assertEquals(1, kernel.openProcessToken(Win32.CURRENT_PROCESS, Win32.TOKEN_ADJUST_PRIVILEGES, token));
            MemorySegment tp = arena.allocate(WindowsStructs.TOKEN_PRIVILEGES_1);
            assertEquals(1, kernel.lookupPrivilegeValue("SeLockMemoryPrivilege", tp.asSlice(4, 8)));
            tp.set(JAVA_INT, 0, 1);
            tp.set(JAVA_INT, 12, Win32.SE_PRIVILEGE_ENABLED);
            assertEquals(1, kernel.adjustTokenPrivileges(token.get(JAVA_LONG, 0), 0, tp, 0, MemorySegment.NULL,
                    MemorySegment.NULL));
            assertEquals(0, kernel.getLastError());
            assertEquals(1, kernel.closeHandle(token.get(JAVA_LONG, 0)));
        }
        assertEquals(0, kernel.virtualAlloc(0, mb2, Win32.MEM_RESERVE | Win32.MEM_LARGE_PAGES, RW));
        assertEquals(Win32.ERROR_INVALID_PARAMETER, kernel.getLastError());
        long p = kernel.virtualAlloc(0, mb2, Win32.MEM_RESERVE | Win32.MEM_COMMIT | Win32.MEM_LARGE_PAGES, RW);
        assertNotEquals(0, p);
        assertEquals(0, p % mb2);
        assertTrue(kernel.reservationAt(p).large());
    }

    @Test
    void anAccountWithoutThePrivilegeGetsNotAllAssigned() {
        try (SimulatedWindowsKernel k = new SimulatedWindowsKernel(
                SimulatedWindowsKernel.Config.standard().withLockMemoryGrantable(false));
             Arena arena = Arena.ofConfined()) {
            MemorySegment token = arena.allocate(JAVA_LONG);
            k.openProcessToken(Win32.CURRENT_PROCESS, Win32.TOKEN_ADJUST_PRIVILEGES, token);
            MemorySegment tp = arena.allocate(WindowsStructs.TOKEN_PRIVILEGES_1);
            k.lookupPrivilegeValue("SeLockMemoryPrivilege", tp.asSlice(4, 8));
            tp.set(JAVA_INT, 0, 1);
            tp.set(JAVA_INT, 12, Win32.SE_PRIVILEGE_ENABLED);
            assertEquals(1, k.adjustTokenPrivileges(token.get(JAVA_LONG, 0), 0, tp, 0, MemorySegment.NULL,
                    MemorySegment.NULL));
            assertEquals(Win32.ERROR_NOT_ALL_ASSIGNED, k.getLastError());
            assertFalse(k.lockMemoryEnabled());
        }
    }

    @Test
    void virtualQueryDescribesRegions() {
        long p = kernel.virtualAlloc(0, 4 * PAGE, Win32.MEM_RESERVE, RW);
        kernel.virtualAlloc(p, PAGE, Win32.MEM_COMMIT, RW);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(WindowsStructs.MEMORY_BASIC_INFORMATION);
            assertEquals(48, kernel.virtualQuery(p, info, 48));
            assertEquals(p, info.get(JAVA_LONG, WindowsStructs.MBI_ALLOCATION_BASE));
            assertEquals(PAGE, info.get(JAVA_LONG, WindowsStructs.MBI_REGION_SIZE));
            assertEquals(Win32.MEM_COMMIT, info.get(JAVA_INT, WindowsStructs.MBI_STATE));
            assertEquals(48, kernel.virtualQuery(p + PAGE, info, 48));
            assertEquals(3 * PAGE, info.get(JAVA_LONG, WindowsStructs.MBI_REGION_SIZE));
            assertEquals(Win32.MEM_RESERVE, info.get(JAVA_INT, WindowsStructs.MBI_STATE));
            assertEquals(48, kernel.virtualQuery(p + 4 * PAGE, info, 48));
            assertEquals(Win32.MEM_FREE, info.get(JAVA_INT, WindowsStructs.MBI_STATE));
            assertEquals(0, kernel.virtualQuery(p, info, 16));
            assertEquals(SimulatedWindowsKernel.ERROR_BAD_LENGTH, kernel.getLastError());
        }
    }

    @Test
    void numaAllocationOnAMissingNodeFails() {
        assertEquals(0, kernel.virtualAllocExNuma(Win32.CURRENT_PROCESS, 0, G, Win32.MEM_RESERVE, RW, 1));
        assertEquals(Win32.ERROR_INVALID_PARAMETER, kernel.getLastError());
        assertEquals(0, kernel.virtualAllocExNuma(42, 0, G, Win32.MEM_RESERVE, RW, 0));
        assertEquals(Win32.ERROR_INVALID_HANDLE, kernel.getLastError());
        long p = kernel.virtualAllocExNuma(Win32.CURRENT_PROCESS, 0, G, Win32.MEM_RESERVE, RW, 0);
        assertEquals(0, kernel.reservationAt(p).node());
    }

    @Test
    void memoryStatusNeedsItsLength() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(WindowsStructs.MEMORYSTATUSEX);
            assertEquals(0, kernel.globalMemoryStatusEx(s));
            assertEquals(Win32.ERROR_INVALID_PARAMETER, kernel.getLastError());
            s.set(JAVA_INT, 0, 64);
            assertEquals(1, kernel.globalMemoryStatusEx(s));
            assertEquals(32L << 30, s.get(JAVA_LONG, 8));
        }
    }

    @Test
    void theCommitChargeFollowsCommitDecommitAndRelease() {
        long p = kernel.virtualAlloc(0, 4 * PAGE, Win32.MEM_RESERVE, RW);
        assertEquals(0, kernel.committedBytes());
        kernel.virtualAlloc(p, 3 * PAGE, Win32.MEM_COMMIT, RW);
        kernel.virtualAlloc(p, 2 * PAGE, Win32.MEM_COMMIT, RW); // already committed: charged once
        assertEquals(3 * PAGE, kernel.committedBytes());
        kernel.virtualFree(p + PAGE, PAGE, Win32.MEM_DECOMMIT);
        assertEquals(2 * PAGE, kernel.committedBytes());
        kernel.virtualFree(p, 0, Win32.MEM_RELEASE);
        assertEquals(0, kernel.committedBytes());
    }

    @Test
    void virtualAlloc2HonoursAnAlignmentRequirement() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment requirements = arena.allocate(WindowsStructs.MEM_ADDRESS_REQUIREMENTS);
            MemorySegment parameter = arena.allocate(WindowsStructs.MEM_EXTENDED_PARAMETER);
            parameter.set(JAVA_LONG, 0, Win32.MEM_EXTENDED_PARAMETER_ADDRESS_REQUIREMENTS);
            parameter.set(JAVA_LONG, 8, requirements.address());
            for (long alignment : new long[]{1L << 20, 1L << 25}) {
                requirements.set(JAVA_LONG, 16, alignment);
                long p = kernel.virtualAlloc2(Win32.CURRENT_PROCESS, 0, G, Win32.MEM_RESERVE, RW, parameter, 1);
                assertNotEquals(0, p);
                assertEquals(0, p % alignment);
            }
            requirements.set(JAVA_LONG, 16, 3 * G);
            assertEquals(0, kernel.virtualAlloc2(Win32.CURRENT_PROCESS, 0, G, Win32.MEM_RESERVE, RW, parameter, 1));
            assertEquals(Win32.ERROR_INVALID_PARAMETER, kernel.getLastError());
            try (SimulatedWindowsKernel old = new SimulatedWindowsKernel(
                    SimulatedWindowsKernel.Config.standard().withoutVirtualAlloc2())) {
                assertEquals(0, old.virtualAlloc2(Win32.CURRENT_PROCESS, 0, G, Win32.MEM_RESERVE, RW, parameter, 1));
                assertEquals(Win32.ERROR_PROC_NOT_FOUND, old.getLastError());
            }
        }
    }
}
