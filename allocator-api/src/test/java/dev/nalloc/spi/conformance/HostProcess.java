package dev.nalloc.spi.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * What a simulated kernel reports about the process it runs in. The simulated memory is real
 * memory of this JVM ({@link SparseMemory}), so its resident size is this process's real one (from
 * {@code /proc} where there is one; -1 elsewhere), and CPU times are the JVM's.
 */
public final class HostProcess {

    private HostProcess() {
    }

    /** Resident bytes now, or -1 when this OS does not tell through /proc. */
    public static long residentBytes() {
        return statusKiB("VmRSS:");
    }

    /** Peak resident bytes, or -1. */
    public static long peakResidentBytes() {
        return statusKiB("VmHWM:");
    }

    private static long statusKiB(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    String[] parts = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    /** Major page faults from /proc/self/stat, or 0. */
    public static long majorFaults() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[9]); // field 12 of stat(5); fields here start at field 3
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** CPU time of the whole process. */
    public static Duration cpuTime() {
        return ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** When this process started (now, when the OS does not tell). */
    public static Instant startTime() {
        return ProcessHandle.current().info().startInstant().orElse(Instant.now());
    }

    /** This process's id. */
    public static int pid() {
        return (int) ProcessHandle.current().pid();
    }
}
