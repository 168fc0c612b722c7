package dev.nalloc.os.macos;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulated XNU itself: it must behave like the real calls, or tests built on it prove nothing. */
@SuppressWarnings("restricted") // views the memory the simulated kernel hands out
class SimulatedDarwinKernelTest {

    private static final long PAGE = 16 * 1024;
    private static final int ANON = Darwin.MAP_PRIVATE | Darwin.MAP_ANON;
    private static final int RW = Darwin.PROT_READ | Darwin.PROT_WRITE;

    private final SimulatedDarwinKernel kernel = new SimulatedDarwinKernel(SimulatedDarwinKernel.Config.appleSilicon());

    @AfterEach
    void close() {
        kernel.close();
    }

    private static MemorySegment at(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    @Test
    void mmapGivesPageAlignedZeroedWritableMemory() {
        long p = kernel.mmap(0, 4 * PAGE, RW, ANON, -1, 0);
        assertNotEquals(Darwin.MAP_FAILED, p);
        assertEquals(0, p % PAGE);
        at(p, 4 * PAGE).set(JAVA_LONG, 4 * PAGE - 8, 42);
        assertEquals(42, at(p, 4 * PAGE).get(JAVA_LONG, 4 * PAGE - 8));
        assertEquals(RW, kernel.protectionAt(p));
    }

    @Test
    void badMmapArgumentsFailWithEinval() {
        assertEquals(Darwin.MAP_FAILED, kernel.mmap(0, 0, RW, ANON, -1, 0));
        assertEquals(Darwin.EINVAL, kernel.errno());
        assertEquals(Darwin.MAP_FAILED, kernel.mmap(0, PAGE, RW, Darwin.MAP_ANON, -1, 0));
        assertEquals(Darwin.EINVAL, kernel.errno());
        assertEquals(Darwin.MAP_FAILED, kernel.mmap(0, PAGE, RW, ANON | Darwin.MAP_SHARED, -1, 0));
        assertEquals(Darwin.EINVAL, kernel.errno());
        assertEquals(Darwin.MAP_FAILED, kernel.mmap(PAGE / 2, PAGE, RW, ANON | Darwin.MAP_FIXED, -1, 0));
        assertEquals(Darwin.EINVAL, kernel.errno());
    }

    @Test
    void tooMuchFailsWithEnomem() {
        assertEquals(Darwin.MAP_FAILED, kernel.mmap(0, 1L << 62, Darwin.PROT_NONE, ANON, -1, 0));
        assertEquals(Darwin.ENOMEM, kernel.errno());
    }

    @Test
    void superpagesAreRefusedWithoutHardwareSupport() {
        assertEquals(Darwin.MAP_FAILED, kernel.mmap(0, 2L << 20, RW, ANON, Darwin.VM_FLAGS_SUPERPAGE_SIZE_2MB, 0));
        assertEquals(Darwin.ENOTSUP, kernel.errno());
        try (SimulatedDarwinKernel intel = new SimulatedDarwinKernel(SimulatedDarwinKernel.Config.intel())) {
            long p = intel.mmap(0, 4L << 20, RW, ANON, Darwin.VM_FLAGS_SUPERPAGE_SIZE_2MB | (100 << 24), 0);
            assertNotEquals(Darwin.MAP_FAILED, p);
            assertEquals(0, p % (2L << 20));
            assertEquals(Darwin.MAP_FAILED, intel.mmap(0, 3L << 20, RW, ANON, Darwin.VM_FLAGS_SUPERPAGE_SIZE_2MB, 0));
            assertEquals(Darwin.EINVAL, intel.errno());
        }
    }

    @Test
    void aFreeHintIsHonouredAndATakenOneIsNot() {
        long p = kernel.mmap(0, 2 * PAGE, RW, ANON, -1, 0);
        assertEquals(0, kernel.munmap(p, 2 * PAGE));
        assertEquals(p, kernel.mmap(p, 2 * PAGE, RW, ANON, -1, 0));
        long q = kernel.mmap(p, 2 * PAGE, RW, ANON, -1, 0);
        assertNotEquals(Darwin.MAP_FAILED, q);
        assertNotEquals(p, q);
    }

    @Test
    void munmapOfPartOfAMappingKeepsTheRest() {
        long p = kernel.mmap(0, 3 * PAGE, RW, ANON, -1, 0);
        assertEquals(0, kernel.munmap(p + PAGE, PAGE));
        assertTrue(kernel.isMapped(p));
        assertFalse(kernel.isMapped(p + PAGE));
        assertTrue(kernel.isMapped(p + 2 * PAGE));
        assertEquals(-1, kernel.munmap(p + 1, PAGE));
        assertEquals(Darwin.EINVAL, kernel.errno());
    }

    @Test
    void remappedMemoryIsZeroAgain() {
        long p = kernel.mmap(0, PAGE, RW, ANON, -1, 0);
        at(p, PAGE).fill((byte) 7);
        kernel.munmap(p, PAGE);
        assertEquals(p, kernel.mmap(p, PAGE, RW, ANON, -1, 0));
        assertEquals(0, at(p, PAGE).get(JAVA_LONG, 0));
    }

    @Test
    void mprotectAndMadviseOfUnmappedMemoryFailWithEnomem() {
        long p = kernel.mmap(0, 2 * PAGE, RW, ANON, -1, 0);
        kernel.munmap(p + PAGE, PAGE);
        assertEquals(-1, kernel.mprotect(p, 2 * PAGE, Darwin.PROT_NONE));
        assertEquals(Darwin.ENOMEM, kernel.errno());
        assertEquals(RW, kernel.protectionAt(p), "a failed mprotect changed the mapped part");
        assertEquals(-1, kernel.madvise(p, 2 * PAGE, Darwin.MADV_FREE_REUSABLE));
        assertEquals(Darwin.ENOMEM, kernel.errno());
        assertEquals(-1, kernel.madvise(p, PAGE, 99));
        assertEquals(Darwin.EINVAL, kernel.errno());
    }

    @Test
    void reusableDropsContentsAndFootprintUntilReuse() {
        long p = kernel.mmap(0, 2 * PAGE, RW, ANON, -1, 0);
        long before = kernel.footprint();
        at(p, 2 * PAGE).fill((byte) 9);
        assertEquals(0, kernel.madvise(p, 2 * PAGE, Darwin.MADV_FREE_REUSABLE));
        assertEquals(0, at(p, 2 * PAGE).get(JAVA_LONG, PAGE));
        assertTrue(kernel.isReusable(p));
        assertEquals(before - 2 * PAGE, kernel.footprint());
        assertEquals(0, kernel.madvise(p, 2 * PAGE, Darwin.MADV_FREE_REUSE));
        assertFalse(kernel.isReusable(p));
        assertEquals(before, kernel.footprint());
    }

    @Test
    void sysctlAnswersPageSizeAndMemsize() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(8);
            MemorySegment length = arena.allocate(8);
            length.set(JAVA_LONG, 0, 8);
            assertEquals(0, kernel.sysctlbyname("hw.memsize", value, length, MemorySegment.NULL, 0));
            assertEquals(16L << 30, value.get(JAVA_LONG, 0));
            assertEquals(-1, kernel.sysctlbyname("hw.nonsense", value, length, MemorySegment.NULL, 0));
            assertEquals(2, kernel.errno());
            length.set(JAVA_LONG, 0, 4);
            assertEquals(-1, kernel.sysctlbyname("hw.pagesize", value, length, MemorySegment.NULL, 0));
            assertEquals(Darwin.ENOMEM, kernel.errno());
        }
    }

    @Test
    void getentropyRefusesMoreThan256Bytes() {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(-1, kernel.getentropy(arena.allocate(257), 257));
            assertEquals(Darwin.EIO, kernel.errno());
            assertEquals(0, kernel.getentropy(arena.allocate(256), 256));
        }
    }

    @Test
    void errnoIsPerThread() throws InterruptedException {
        kernel.mmap(0, 0, RW, ANON, -1, 0);
        Thread other = new Thread(() -> kernel.munmap(0, 0));
        other.start();
        other.join();
        kernel.mmap(0, 1L << 62, RW, ANON, -1, 0);
        assertEquals(Darwin.ENOMEM, kernel.errno());
    }
}
