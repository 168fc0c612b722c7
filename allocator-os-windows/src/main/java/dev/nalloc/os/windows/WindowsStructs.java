package dev.nalloc.os.windows;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The 64-bit Windows struct layouts the Windows layer reads and writes (LLP64: DWORD 4 bytes,
 * pointers and SIZE_T 8 bytes, natural alignment).
 */
final class WindowsStructs {

    private WindowsStructs() {
    }

    /** {@code SYSTEM_INFO}: 48 bytes. */
    static final StructLayout SYSTEM_INFO = MemoryLayout.structLayout(
            JAVA_SHORT.withName("wProcessorArchitecture"),
            JAVA_SHORT.withName("wReserved"),
            JAVA_INT.withName("dwPageSize"),
            JAVA_LONG.withName("lpMinimumApplicationAddress"),
            JAVA_LONG.withName("lpMaximumApplicationAddress"),
            JAVA_LONG.withName("dwActiveProcessorMask"),
            JAVA_INT.withName("dwNumberOfProcessors"),
            JAVA_INT.withName("dwProcessorType"),
            JAVA_INT.withName("dwAllocationGranularity"),
            JAVA_SHORT.withName("wProcessorLevel"),
            JAVA_SHORT.withName("wProcessorRevision")).withName("SYSTEM_INFO");

    /** {@code MEMORYSTATUSEX}: 64 bytes. */
    static final StructLayout MEMORYSTATUSEX = MemoryLayout.structLayout(
            JAVA_INT.withName("dwLength"),
            JAVA_INT.withName("dwMemoryLoad"),
            JAVA_LONG.withName("ullTotalPhys"),
            JAVA_LONG.withName("ullAvailPhys"),
            JAVA_LONG.withName("ullTotalPageFile"),
            JAVA_LONG.withName("ullAvailPageFile"),
            JAVA_LONG.withName("ullTotalVirtual"),
            JAVA_LONG.withName("ullAvailVirtual"),
            JAVA_LONG.withName("ullAvailExtendedVirtual")).withName("MEMORYSTATUSEX");

    /** {@code PROCESS_MEMORY_COUNTERS}: 72 bytes. */
    static final StructLayout PROCESS_MEMORY_COUNTERS = MemoryLayout.structLayout(
            JAVA_INT.withName("cb"),
            JAVA_INT.withName("PageFaultCount"),
            JAVA_LONG.withName("PeakWorkingSetSize"),
            JAVA_LONG.withName("WorkingSetSize"),
            JAVA_LONG.withName("QuotaPeakPagedPoolUsage"),
            JAVA_LONG.withName("QuotaPagedPoolUsage"),
            JAVA_LONG.withName("QuotaPeakNonPagedPoolUsage"),
            JAVA_LONG.withName("QuotaNonPagedPoolUsage"),
            JAVA_LONG.withName("PagefileUsage"),
            JAVA_LONG.withName("PeakPagefileUsage")).withName("PROCESS_MEMORY_COUNTERS");

    /** {@code MEMORY_BASIC_INFORMATION}: 48 bytes. */
    static final StructLayout MEMORY_BASIC_INFORMATION = MemoryLayout.structLayout(
            JAVA_LONG.withName("BaseAddress"),
            JAVA_LONG.withName("AllocationBase"),
            JAVA_INT.withName("AllocationProtect"),
            JAVA_SHORT.withName("PartitionId"),
            MemoryLayout.paddingLayout(2),
            JAVA_LONG.withName("RegionSize"),
            JAVA_INT.withName("State"),
            JAVA_INT.withName("Protect"),
            JAVA_INT.withName("Type"),
            MemoryLayout.paddingLayout(4)).withName("MEMORY_BASIC_INFORMATION");

    /** {@code FILETIME}: two DWORDs, 8 bytes, 4-byte aligned (so read it as two ints). */
    static final StructLayout FILETIME = MemoryLayout.structLayout(
            JAVA_INT.withName("dwLowDateTime"),
            JAVA_INT.withName("dwHighDateTime")).withName("FILETIME");

    /** {@code PROCESSOR_NUMBER}: 4 bytes. */
    static final StructLayout PROCESSOR_NUMBER = MemoryLayout.structLayout(
            JAVA_SHORT.withName("Group"),
            MemoryLayout.sequenceLayout(2, JAVA_BYTE).withName("NumberAndReserved"))
            .withName("PROCESSOR_NUMBER");

    /** {@code GROUP_AFFINITY}: 16 bytes. */
    static final StructLayout GROUP_AFFINITY = MemoryLayout.structLayout(
            JAVA_LONG.withName("Mask"),
            JAVA_SHORT.withName("Group"),
            MemoryLayout.sequenceLayout(3, JAVA_SHORT).withName("Reserved")).withName("GROUP_AFFINITY");

    /** {@code LUID}: 8 bytes, 4-byte aligned. */
    static final StructLayout LUID = MemoryLayout.structLayout(
            JAVA_INT.withName("LowPart"),
            JAVA_INT.withName("HighPart")).withName("LUID");

    /** {@code TOKEN_PRIVILEGES} with one {@code LUID_AND_ATTRIBUTES}: 16 bytes. */
    static final StructLayout TOKEN_PRIVILEGES_1 = MemoryLayout.structLayout(
            JAVA_INT.withName("PrivilegeCount"),
            LUID.withName("Luid"),
            JAVA_INT.withName("Attributes")).withName("TOKEN_PRIVILEGES");

    /**
     * {@code MEM_EXTENDED_PARAMETER}: 16 bytes; the first 8 hold the type in their low 8 bits
     * (a bit field), the next 8 the argument (here a pointer).
     */
    static final StructLayout MEM_EXTENDED_PARAMETER = MemoryLayout.structLayout(
            JAVA_LONG.withName("Type"),
            JAVA_LONG.withName("Arg")).withName("MEM_EXTENDED_PARAMETER");

    /** {@code MEM_ADDRESS_REQUIREMENTS}: 24 bytes. */
    static final StructLayout MEM_ADDRESS_REQUIREMENTS = MemoryLayout.structLayout(
            JAVA_LONG.withName("LowestStartingAddress"),
            JAVA_LONG.withName("HighestEndingAddress"),
            JAVA_LONG.withName("Alignment")).withName("MEM_ADDRESS_REQUIREMENTS");

    static long offset(StructLayout layout, String... path) {
        MemoryLayout.PathElement[] elements = new MemoryLayout.PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            elements[i] = groupElement(path[i]);
        }
        return layout.byteOffset(elements);
    }

    static final long SI_PAGE_SIZE = offset(SYSTEM_INFO, "dwPageSize");
    static final long SI_MAX_APP_ADDRESS = offset(SYSTEM_INFO, "lpMaximumApplicationAddress");
    static final long SI_ALLOCATION_GRANULARITY = offset(SYSTEM_INFO, "dwAllocationGranularity");
    static final long MS_LENGTH = offset(MEMORYSTATUSEX, "dwLength");
    static final long MS_TOTAL_PHYS = offset(MEMORYSTATUSEX, "ullTotalPhys");
    static final long PMC_CB = offset(PROCESS_MEMORY_COUNTERS, "cb");
    static final long PMC_PAGE_FAULT_COUNT = offset(PROCESS_MEMORY_COUNTERS, "PageFaultCount");
    static final long PMC_PEAK_WORKING_SET = offset(PROCESS_MEMORY_COUNTERS, "PeakWorkingSetSize");
    static final long PMC_WORKING_SET = offset(PROCESS_MEMORY_COUNTERS, "WorkingSetSize");
    static final long PMC_PAGEFILE_USAGE = offset(PROCESS_MEMORY_COUNTERS, "PagefileUsage");
    static final long PMC_PEAK_PAGEFILE_USAGE = offset(PROCESS_MEMORY_COUNTERS, "PeakPagefileUsage");
    static final long MBI_BASE_ADDRESS = offset(MEMORY_BASIC_INFORMATION, "BaseAddress");
    static final long MBI_ALLOCATION_BASE = offset(MEMORY_BASIC_INFORMATION, "AllocationBase");
    static final long MBI_REGION_SIZE = offset(MEMORY_BASIC_INFORMATION, "RegionSize");
    static final long MBI_STATE = offset(MEMORY_BASIC_INFORMATION, "State");
    static final long MBI_PROTECT = offset(MEMORY_BASIC_INFORMATION, "Protect");
    static final long FT_LOW = offset(FILETIME, "dwLowDateTime");
    static final long FT_HIGH = offset(FILETIME, "dwHighDateTime");
    static final long MEP_TYPE = offset(MEM_EXTENDED_PARAMETER, "Type");
    static final long MEP_ARG = offset(MEM_EXTENDED_PARAMETER, "Arg");
    static final long MAR_ALIGNMENT = offset(MEM_ADDRESS_REQUIREMENTS, "Alignment");
    static final long TP_COUNT = offset(TOKEN_PRIVILEGES_1, "PrivilegeCount");
    static final long TP_LUID = offset(TOKEN_PRIVILEGES_1, "Luid");
    static final long TP_ATTRIBUTES = offset(TOKEN_PRIVILEGES_1, "Attributes");

    /** A FILETIME's 64-bit tick count. */
    static long fileTimeTicks(MemorySegment fileTime) {
        long low = Integer.toUnsignedLong(fileTime.get(JAVA_INT, FT_LOW));
        long high = Integer.toUnsignedLong(fileTime.get(JAVA_INT, FT_HIGH));
        return (high << 32) | low;
    }
}
