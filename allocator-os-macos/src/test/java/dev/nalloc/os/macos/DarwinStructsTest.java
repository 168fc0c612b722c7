package dev.nalloc.os.macos;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The layouts against the sizes and offsets of the 64-bit macOS SDK headers. */
class DarwinStructsTest {

    @Test
    void timevalHasA32BitMicrosecondFieldPaddedTo16Bytes() {
        assertEquals(16, DarwinStructs.TIMEVAL.byteSize());
        assertEquals(8, DarwinStructs.offset(DarwinStructs.TIMEVAL, "tv_usec"));
    }

    @Test
    void rusageMatchesSysResourceH() {
        assertEquals(144, DarwinStructs.RUSAGE.byteSize());
        assertEquals(0, DarwinStructs.RU_UTIME_SEC);
        assertEquals(8, DarwinStructs.RU_UTIME_USEC);
        assertEquals(16, DarwinStructs.RU_STIME_SEC);
        assertEquals(24, DarwinStructs.RU_STIME_USEC);
        assertEquals(32, DarwinStructs.RU_MAXRSS);
        assertEquals(72, DarwinStructs.RU_MAJFLT);
        assertEquals(136, DarwinStructs.offset(DarwinStructs.RUSAGE, "ru_nivcsw"));
    }

    @Test
    void rusageInfoV2MatchesSysResourceH() {
        assertEquals(160, DarwinStructs.RUSAGE_INFO_V2.byteSize());
        assertEquals(16, DarwinStructs.offset(DarwinStructs.RUSAGE_INFO_V2, "ri_user_time"));
        assertEquals(48, DarwinStructs.RI_PAGEINS);
        assertEquals(64, DarwinStructs.RI_RESIDENT_SIZE);
        assertEquals(72, DarwinStructs.RI_PHYS_FOOTPRINT);
        assertEquals(152, DarwinStructs.offset(DarwinStructs.RUSAGE_INFO_V2, "ri_diskio_byteswritten"));
    }

    @Test
    void rusageInfoV4MatchesSysResourceH() {
        var v4 = DarwinStructs.RUSAGE_INFO_V4;
        assertEquals(296, v4.byteSize());
        assertEquals(64, DarwinStructs.offset(v4, "ri_resident_size"));
        assertEquals(72, DarwinStructs.offset(v4, "ri_phys_footprint"));
        assertEquals(160, DarwinStructs.offset(v4, "ri_cpu_time_qos_default"));
        assertEquals(224, DarwinStructs.offset(v4, "ri_serviced_system_time"));
        assertEquals(232, DarwinStructs.offset(v4, "ri_logical_writes"));
        assertEquals(240, DarwinStructs.RI_LIFETIME_MAX_PHYS_FOOTPRINT);
        assertEquals(280, DarwinStructs.offset(v4, "ri_interval_max_phys_footprint"));
        assertEquals(288, DarwinStructs.offset(v4, "ri_runnable_time"));
    }

    @Test
    void constantsMatchTheDarwinHeaders() {
        assertEquals(0x1000, Darwin.MAP_ANON);
        assertEquals(2, Darwin.MAP_PRIVATE);
        assertEquals(7, Darwin.MADV_FREE_REUSABLE);
        assertEquals(8, Darwin.MADV_FREE_REUSE);
        assertEquals(4, Darwin.MADV_DONTNEED);
        assertEquals(0x64000000, Darwin.vmMakeTag(Darwin.NALLOC_VM_TAG));
        assertEquals(0x20000, Darwin.VM_FLAGS_SUPERPAGE_SIZE_2MB);
    }

    @Test
    void theLinkerCanCaptureErrno() {
        MemoryLayout capture = Linker.Option.captureStateLayout();
        assertTrue(capture.toString().contains("errno"), capture.toString());
    }
}
