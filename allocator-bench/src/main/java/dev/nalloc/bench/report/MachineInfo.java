package dev.nalloc.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The machine and JVM a comparison ran on.
 *
 * @param cpuModel    the CPU model name (from /proc/cpuinfo)
 * @param cores       available processors
 * @param memoryBytes physical memory (MemTotal), -1 if unknown
 * @param os          OS name, version and architecture
 * @param jdk         the JVM's name and full version
 * @param date        when the report was made (ISO-8601 instant)
 */
public record MachineInfo(String cpuModel, int cores, long memoryBytes, String os, String jdk, String date) {

    /** Describes the machine this JVM runs on, now. */
    public static MachineInfo detect() {
        return new MachineInfo(detectCpuModel(), Runtime.getRuntime().availableProcessors(), memTotal(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                System.getProperty("java.vm.name") + " " + Runtime.version(), Instant.now().toString());
    }

    /** One line for table headers. */
    public String summary() {
        return String.format("%s, %d cores, %s RAM; %s; %s; %s", cpuModel, cores,
                memoryBytes < 0 ? "?" : Units.bytes(memoryBytes), os, jdk, date);
    }

    private static String detectCpuModel() {
        for (String line : lines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return System.getProperty("os.arch");
    }

    private static long memTotal() {
        for (String line : lines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
