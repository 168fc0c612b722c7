package dev.nalloc.os.macos;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real downcalls of {@link NativeDarwinCalls} for the POSIX functions, run on Linux where the
 * same C signatures exist: proves the descriptors, argument order and errno capture work, with
 * Linux's flag values ({@code MAP_ANONYMOUS} is 0x20 there). The macOS-only functions must fail
 * cleanly instead of crashing.
 */
@EnabledOnOs(OS.LINUX)
@SuppressWarnings("restricted") // views memory that a real mmap returned
class NativeDarwinCallsPlumbingTest {

    private static final int LINUX_MAP_ANONYMOUS = 0x20;
    private static final long SIZE = 1 << 16;

    private final NativeDarwinCalls calls = new NativeDarwinCalls();

    @Test
    void mmapWriteReadMunmap() {
        long p = calls.mmap(0, SIZE, Darwin.PROT_READ | Darwin.PROT_WRITE, Darwin.MAP_PRIVATE | LINUX_MAP_ANONYMOUS,
                -1, 0);
        assertNotEquals(Darwin.MAP_FAILED, p);
        MemorySegment m = MemorySegment.ofAddress(p).reinterpret(SIZE);
        m.set(JAVA_LONG, SIZE - 8, 0x1234);
        assertEquals(0x1234, m.get(JAVA_LONG, SIZE - 8));
        assertEquals(0, calls.mprotect(p, SIZE, Darwin.PROT_NONE));
        assertEquals(0, calls.madvise(p, SIZE, Darwin.MADV_DONTNEED));
        assertEquals(0, calls.munmap(p, SIZE));
    }

    @Test
    void pthreadSelfIsTheCallingThread() throws InterruptedException {
        long mine = calls.pthreadSelf();
        assertNotEquals(0, mine);
        assertEquals(mine, calls.pthreadSelf());
        long[] other = new long[1];
        Thread t = new Thread(() -> other[0] = calls.pthreadSelf());
        t.start();
        t.join();
        assertNotEquals(0, other[0]);
        assertNotEquals(mine, other[0]);
    }

    @Test
    void errnoIsCapturedPerCall() {
        long p = calls.mmap(0, SIZE, Darwin.PROT_NONE, Darwin.MAP_PRIVATE | LINUX_MAP_ANONYMOUS, -1, 0);
        assertEquals(-1, calls.madvise(p, SIZE, 12345));
        assertEquals(Darwin.EINVAL, calls.errno());
        calls.munmap(p, SIZE);
        assertEquals(-1, calls.mprotect(p, SIZE, Darwin.PROT_READ));
        assertEquals(Darwin.ENOMEM, calls.errno());
        assertEquals(Darwin.MAP_FAILED, calls.mmap(0, 0, Darwin.PROT_NONE, Darwin.MAP_PRIVATE | LINUX_MAP_ANONYMOUS,
                -1, 0));
        assertEquals(Darwin.EINVAL, calls.errno());
    }

    @Test
    void errnoBelongsToTheThread() throws InterruptedException {
        assertEquals(-1, calls.madvise(0x1000, 4096, 12345));
        Thread other = new Thread(() -> calls.mprotect(0x1000, 4096, Darwin.PROT_READ)); // ENOMEM there
        other.start();
        other.join();
        assertEquals(Darwin.EINVAL, calls.errno());
    }

    @Test
    void processCalls() {
        assertEquals(ProcessHandle.current().pid(), calls.getpid());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment usage = arena.allocate(DarwinStructs.RUSAGE);
            assertEquals(0, calls.getrusage(Darwin.RUSAGE_SELF, usage));
            assertTrue(usage.get(JAVA_LONG, DarwinStructs.RU_MAXRSS) > 0);
            MemorySegment random = arena.allocate(300);
            assertEquals(0, calls.getentropy(random, 256));
            assertEquals(-1, calls.getentropy(random, 257));
            assertEquals(Darwin.EIO, calls.errno());
        }
    }

    @Test
    void macOsOnlyFunctionsFailCleanly() {
        try (Arena arena = Arena.ofConfined()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () ->
                    calls.sysctlbyname("hw.memsize", arena.allocate(8), arena.allocate(8), MemorySegment.NULL, 0));
            assertTrue(e.getMessage().startsWith("downcall to sysctlbyname failed"), e.getMessage());
        }
    }
}
