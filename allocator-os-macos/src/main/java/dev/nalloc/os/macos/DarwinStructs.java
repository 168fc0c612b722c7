package dev.nalloc.os.macos;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The 64-bit Darwin struct layouts read by the macOS layer (LP64: long and pointers are 8 bytes). */
final class DarwinStructs {

    private DarwinStructs() {
    }

    /** {@code struct timeval}: {@code tv_usec} is a 32-bit {@code suseconds_t} on Darwin, padded to 16 bytes. */
    static final StructLayout TIMEVAL = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"),
            JAVA_INT.withName("tv_usec"),
            MemoryLayout.paddingLayout(4)).withName("timeval");

    /** {@code struct rusage} of {@code <sys/resource.h>}: 144 bytes; {@code ru_maxrss} is in bytes on macOS. */
    static final StructLayout RUSAGE = MemoryLayout.structLayout(
            TIMEVAL.withName("ru_utime"),
            TIMEVAL.withName("ru_stime"),
            JAVA_LONG.withName("ru_maxrss"),
            JAVA_LONG.withName("ru_ixrss"),
            JAVA_LONG.withName("ru_idrss"),
            JAVA_LONG.withName("ru_isrss"),
            JAVA_LONG.withName("ru_minflt"),
            JAVA_LONG.withName("ru_majflt"),
            JAVA_LONG.withName("ru_nswap"),
            JAVA_LONG.withName("ru_inblock"),
            JAVA_LONG.withName("ru_oublock"),
            JAVA_LONG.withName("ru_msgsnd"),
            JAVA_LONG.withName("ru_msgrcv"),
            JAVA_LONG.withName("ru_nsignals"),
            JAVA_LONG.withName("ru_nvcsw"),
            JAVA_LONG.withName("ru_nivcsw")).withName("rusage");

    /** {@code struct rusage_info_v2} of {@code <sys/resource.h>} (flavor {@code RUSAGE_INFO_V2}): 160 bytes. */
    static final StructLayout RUSAGE_INFO_V2 = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("ri_uuid"),
            JAVA_LONG.withName("ri_user_time"),
            JAVA_LONG.withName("ri_system_time"),
            JAVA_LONG.withName("ri_pkg_idle_wkups"),
            JAVA_LONG.withName("ri_interrupt_wkups"),
            JAVA_LONG.withName("ri_pageins"),
            JAVA_LONG.withName("ri_wired_size"),
            JAVA_LONG.withName("ri_resident_size"),
            JAVA_LONG.withName("ri_phys_footprint"),
            JAVA_LONG.withName("ri_proc_start_abstime"),
            JAVA_LONG.withName("ri_proc_exit_abstime"),
            JAVA_LONG.withName("ri_child_user_time"),
            JAVA_LONG.withName("ri_child_system_time"),
            JAVA_LONG.withName("ri_child_pkg_idle_wkups"),
            JAVA_LONG.withName("ri_child_interrupt_wkups"),
            JAVA_LONG.withName("ri_child_pageins"),
            JAVA_LONG.withName("ri_child_elapsed_abstime"),
            JAVA_LONG.withName("ri_diskio_bytesread"),
            JAVA_LONG.withName("ri_diskio_byteswritten")).withName("rusage_info_v2");

    /**
     * {@code struct rusage_info_v4} (flavor {@code RUSAGE_INFO_V4}, macOS 10.14 and later): the v2
     * fields, v3's QoS and billing times, then v4's writes, footprint peaks, instructions, cycles,
     * energy and runnable time. 296 bytes.
     */
    static final StructLayout RUSAGE_INFO_V4 = extend(RUSAGE_INFO_V2, "rusage_info_v4",
            "ri_cpu_time_qos_default", "ri_cpu_time_qos_maintenance", "ri_cpu_time_qos_background",
            "ri_cpu_time_qos_utility", "ri_cpu_time_qos_legacy", "ri_cpu_time_qos_user_initiated",
            "ri_cpu_time_qos_user_interactive", "ri_billed_system_time", "ri_serviced_system_time",
            "ri_logical_writes", "ri_lifetime_max_phys_footprint", "ri_instructions", "ri_cycles",
            "ri_billed_energy", "ri_serviced_energy", "ri_interval_max_phys_footprint", "ri_runnable_time");

    private static StructLayout extend(StructLayout base, String name, String... uint64Fields) {
        java.util.List<MemoryLayout> members = new java.util.ArrayList<>(base.memberLayouts());
        for (String field : uint64Fields) {
            members.add(JAVA_LONG.withName(field));
        }
        return MemoryLayout.structLayout(members.toArray(new MemoryLayout[0])).withName(name);
    }

    static long offset(StructLayout layout, String... path) {
        MemoryLayout.PathElement[] elements = new MemoryLayout.PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            elements[i] = groupElement(path[i]);
        }
        return layout.byteOffset(elements);
    }

    static final long RU_UTIME_SEC = offset(RUSAGE, "ru_utime", "tv_sec");
    static final long RU_UTIME_USEC = offset(RUSAGE, "ru_utime", "tv_usec");
    static final long RU_STIME_SEC = offset(RUSAGE, "ru_stime", "tv_sec");
    static final long RU_STIME_USEC = offset(RUSAGE, "ru_stime", "tv_usec");
    static final long RU_MAXRSS = offset(RUSAGE, "ru_maxrss");
    static final long RU_MAJFLT = offset(RUSAGE, "ru_majflt");
    static final long RI_RESIDENT_SIZE = offset(RUSAGE_INFO_V2, "ri_resident_size");
    static final long RI_PHYS_FOOTPRINT = offset(RUSAGE_INFO_V2, "ri_phys_footprint");
    static final long RI_PAGEINS = offset(RUSAGE_INFO_V2, "ri_pageins");
    static final long RI_LIFETIME_MAX_PHYS_FOOTPRINT = offset(RUSAGE_INFO_V4, "ri_lifetime_max_phys_footprint");
}
