package dev.nalloc.bench.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads this process's memory figures from {@code /proc/self/status} (Linux). */
public final class ProcStatus {

    private ProcStatus() {
    }

    /** Peak resident set size (VmHWM) in bytes, or -1 where /proc is not available. */
    public static long peakRssBytes() {
        return field(Path.of("/proc/self/status"), "VmHWM:");
    }

    /** Current resident set size (VmRSS) in bytes, or -1. */
    public static long rssBytes() {
        return field(Path.of("/proc/self/status"), "VmRSS:");
    }

    /** A "kB" field of a status file, in bytes; -1 if absent. */
    static long field(Path status, String name) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
