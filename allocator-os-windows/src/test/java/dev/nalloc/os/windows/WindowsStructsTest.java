package dev.nalloc.os.windows;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The layouts against the sizes and offsets of the 64-bit Windows SDK headers. */
class WindowsStructsTest {

    private static long at(java.lang.foreign.StructLayout layout, String field) {
        return WindowsStructs.offset(layout, field);
    }

    @Test
    void systemInfoIs48Bytes() {
        var s = WindowsStructs.SYSTEM_INFO;
        assertEquals(48, s.byteSize());
        assertEquals(4, at(s, "dwPageSize"));
        assertEquals(8, at(s, "lpMinimumApplicationAddress"));
        assertEquals(16, at(s, "lpMaximumApplicationAddress"));
        assertEquals(24, at(s, "dwActiveProcessorMask"));
        assertEquals(32, at(s, "dwNumberOfProcessors"));
        assertEquals(36, at(s, "dwProcessorType"));
        assertEquals(40, at(s, "dwAllocationGranularity"));
        assertEquals(44, at(s, "wProcessorLevel"));
        assertEquals(46, at(s, "wProcessorRevision"));
    }

    @Test
    void memoryStatusExIs64Bytes() {
        var s = WindowsStructs.MEMORYSTATUSEX;
        assertEquals(64, s.byteSize());
        assertEquals(0, at(s, "dwLength"));
        assertEquals(8, at(s, "ullTotalPhys"));
        assertEquals(56, at(s, "ullAvailExtendedVirtual"));
    }

    @Test
    void processMemoryCountersIs72Bytes() {
        var s = WindowsStructs.PROCESS_MEMORY_COUNTERS;
        assertEquals(72, s.byteSize());
        assertEquals(4, at(s, "PageFaultCount"));
        assertEquals(8, at(s, "PeakWorkingSetSize"));
        assertEquals(16, at(s, "WorkingSetSize"));
        assertEquals(56, at(s, "PagefileUsage"));
        assertEquals(64, at(s, "PeakPagefileUsage"));
    }

    @Test
    void memoryBasicInformationIs48Bytes() {
        var s = WindowsStructs.MEMORY_BASIC_INFORMATION;
        assertEquals(48, s.byteSize());
        assertEquals(0, at(s, "BaseAddress"));
        assertEquals(8, at(s, "AllocationBase"));
        assertEquals(16, at(s, "AllocationProtect"));
        assertEquals(20, at(s, "PartitionId"));
        assertEquals(24, at(s, "RegionSize"));
        assertEquals(32, at(s, "State"));
        assertEquals(36, at(s, "Protect"));
        assertEquals(40, at(s, "Type"));
    }

    @Test
    void smallStructs() {
        assertEquals(8, WindowsStructs.FILETIME.byteSize());
        assertEquals(4, WindowsStructs.FILETIME.byteAlignment(), "FILETIME is two DWORDs, not a 64-bit integer");
        assertEquals(4, WindowsStructs.PROCESSOR_NUMBER.byteSize());
        assertEquals(8, WindowsStructs.LUID.byteSize());
        assertEquals(16, WindowsStructs.GROUP_AFFINITY.byteSize());
        assertEquals(8, WindowsStructs.offset(WindowsStructs.GROUP_AFFINITY, "Group"));
        assertEquals(16, WindowsStructs.TOKEN_PRIVILEGES_1.byteSize());
        assertEquals(4, WindowsStructs.TP_LUID);
        assertEquals(12, WindowsStructs.TP_ATTRIBUTES);
    }

    @Test
    void extendedParametersForVirtualAlloc2() {
        assertEquals(16, WindowsStructs.MEM_EXTENDED_PARAMETER.byteSize());
        assertEquals(0, WindowsStructs.MEP_TYPE);
        assertEquals(8, WindowsStructs.MEP_ARG);
        assertEquals(24, WindowsStructs.MEM_ADDRESS_REQUIREMENTS.byteSize());
        assertEquals(16, WindowsStructs.MAR_ALIGNMENT);
    }

    @Test
    void fileTimeTicksCombineBothHalvesUnsigned() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = arena.allocate(WindowsStructs.FILETIME);
            f.set(JAVA_INT, 0, 0xFFFF_FFFF);
            f.set(JAVA_INT, 4, 0x01D9_0000);
            assertEquals(0x01D9_0000_FFFF_FFFFL, WindowsStructs.fileTimeTicks(f));
        }
    }

    @Test
    void constantsMatchWinnt() {
        assertEquals(0x1000, Win32.MEM_COMMIT);
        assertEquals(0x2000, Win32.MEM_RESERVE);
        assertEquals(0x4000, Win32.MEM_DECOMMIT);
        assertEquals(0x8000, Win32.MEM_RELEASE);
        assertEquals(0x80000, Win32.MEM_RESET);
        assertEquals(0x20000000, Win32.MEM_LARGE_PAGES);
        assertEquals(0x01, Win32.PAGE_NOACCESS);
        assertEquals(0x04, Win32.PAGE_READWRITE);
        assertEquals(2, Win32.BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    }
}
