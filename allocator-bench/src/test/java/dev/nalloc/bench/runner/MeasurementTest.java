package dev.nalloc.bench.runner;

import dev.nalloc.bench.peer.AllocatorUnderTest;
import dev.nalloc.bench.report.MachineInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MeasurementTest {

    @Test
    void statusFieldsAreReadInBytes(@TempDir Path dir) throws Exception {
        Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\nVmHWM:\t  123456 kB\nVmRSS:\t    1000 kB\n");
        assertEquals(123456L * 1024, ProcStatus.field(status, "VmHWM:"));
        assertEquals(1000L * 1024, ProcStatus.field(status, "VmRSS:"));
        assertEquals(-1, ProcStatus.field(status, "VmSwap:"));
        assertEquals(-1, ProcStatus.field(dir.resolve("missing"), "VmHWM:"));
    }

    @Test
    void thisProcessHasAPeakAtLeastItsCurrentRss() {
        long now = ProcStatus.rssBytes();
        long peak = ProcStatus.peakRssBytes(); // read second: the kernel reports max(peak, current)
        assertTrue(now > 0 && peak >= now, "peak " + peak + " now " + now);
    }

    @Test
    void samplerKeepsThePeakOfTheAllocatorsCommittedFigure() throws Exception {
        AtomicLong committed = new AtomicLong(100);
        AllocatorUnderTest fake = new FakeCommitting(committed);
        try (CommitSampler sampler = new CommitSampler(fake)) {
            committed.set(5000);
            Thread.sleep(120);
            committed.set(10);
            Thread.sleep(60);
            sampler.close();
            assertEquals(5000, sampler.peak());
        }
    }

    @Test
    void samplerSaysMinusOneWhenTheAllocatorCannotTell() {
        AllocatorUnderTest silent = new FakeCommitting(null);
        try (CommitSampler sampler = new CommitSampler(silent)) {
            sampler.close();
            assertEquals(-1, sampler.peak());
        }
    }

    /** Held so that the collection cannot take it (the meter must see it as live). */
    private static volatile long[] held;

    @Test
    void heapMeterSeesWhatIsHeldAfterACollection() {
        long before = HeapMeter.liveAfterGc();
        held = new long[4 << 20]; // 32 MiB
        long with = HeapMeter.liveAfterGc();
        assertTrue(with - before >= (30L << 20), "live heap grew by " + (with - before));
        assertTrue(HeapMeter.afterLastCollections() >= (30L << 20), "the last collections left it live");
        held = null;
        long after = HeapMeter.liveAfterGc();
        assertTrue(with - after >= (30L << 20), "released: " + (with - after));
    }

    @Test
    void machineInfoDescribesThisMachine() {
        MachineInfo m = MachineInfo.detect();
        assertEquals(Runtime.getRuntime().availableProcessors(), m.cores());
        assertFalse(m.cpuModel().isBlank());
        assertTrue(m.memoryBytes() > 0);
        assertTrue(m.jdk().contains(Runtime.version().toString()), m.jdk());
        assertTrue(m.summary().startsWith(m.cpuModel() + ", " + m.cores() + " cores, "), m.summary());
    }

    private record FakeCommitting(AtomicLong committed) implements AllocatorUnderTest {
        @Override
        public String name() {
            return "fake";
        }

        @Override
        public long malloc(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void free(long address) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long realloc(long address, long newSize) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long usableSize(long address) {
            return -1;
        }

        @Override
        public OptionalLong committedBytes() {
            return committed == null ? OptionalLong.empty() : OptionalLong.of(committed.get());
        }
    }
}
