package dev.nalloc.spi;

import dev.nalloc.spi.conformance.HostProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostProcessTest {

    @Test
    void idAndTimesAreThisJvms() {
        assertEquals(ProcessHandle.current().pid(), HostProcess.pid());
        assertTrue(!HostProcess.startTime().isAfter(Instant.now()));
        assertEquals(ProcessHandle.current().info().startInstant().orElseThrow(), HostProcess.startTime());
        assertTrue(HostProcess.cpuTime().toNanos() > 0, "a running JVM has used CPU");
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void residentSizesComeFromProcOnLinux() {
        long resident = HostProcess.residentBytes();
        long peak = HostProcess.peakResidentBytes();
        assertTrue(resident > 1 << 20, "a JVM has more than 1 MiB resident: " + resident);
        assertEquals(0, resident % 1024, "/proc reports whole KiB");
        assertTrue(peak >= resident, peak + " < " + resident);
        assertTrue(HostProcess.majorFaults() >= 0);
    }

    @Test
    @EnabledOnOs({OS.MAC, OS.WINDOWS})
    void withoutProcTheSizesAreUnknown() {
        assertEquals(-1, HostProcess.residentBytes());
        assertEquals(-1, HostProcess.peakResidentBytes());
        assertEquals(0, HostProcess.majorFaults());
    }
}
