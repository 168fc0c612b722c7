package dev.nalloc.os.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.util.concurrent.atomic.AtomicInteger;

import static dev.nalloc.os.linux.LinuxConstants.EINVAL;
import static dev.nalloc.os.linux.LinuxConstants.ENOMEM;
import static dev.nalloc.os.linux.LinuxConstants.PROT_NONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The raw downcalls against the real C library: results and errno come through. */
@EnabledOnOs(value = OS.LINUX, architectures = {"amd64", "aarch64"})
class LibcSyscallsTest {

    private static final LibcSyscalls LIBC = new LibcSyscalls(System.getProperty("os.arch"));

    @Test
    void sysconfGivesThePageSize() {
        long page = LIBC.sysconf(LinuxConstants.SC_PAGESIZE);
        assertTrue(page >= 4096 && Long.bitCount(page) == 1, "page size " + page);
        assertTrue(LIBC.sysconf(LinuxConstants.SC_PHYS_PAGES) > 0);
    }

    @Test
    void mmapAndMunmapReportErrno() {
        assertEquals(-EINVAL, LIBC.mmap(0, 0, PROT_NONE, LinuxConstants.MAP_PRIVATE | LinuxConstants.MAP_ANONYMOUS));
        long p = LIBC.mmap(0, 8192, PROT_NONE, LinuxConstants.MAP_PRIVATE | LinuxConstants.MAP_ANONYMOUS);
        assertTrue(p > 0);
        assertEquals(EINVAL, LIBC.munmap(p + 1, 4096));
        assertEquals(EINVAL, LIBC.madvise(p + 1, 4096, LinuxConstants.MADV_DONTNEED));
        assertEquals(0, LIBC.mprotect(p, 4096, LinuxConstants.PROT_READ_WRITE));
        assertEquals(0, LIBC.munmap(p, 8192));
        assertEquals(ENOMEM, LIBC.mprotect(p, 4096, LinuxConstants.PROT_READ_WRITE), "mprotect of unmapped memory");
    }

    @Test
    void errnoIsPerThread() throws InterruptedException {
        AtomicInteger other = new AtomicInteger(-1);
        assertEquals(EINVAL, LIBC.munmap(1, 4096));
        Thread t = Thread.ofPlatform().start(() -> other.set(LIBC.mprotect(4096, 4096, PROT_NONE)));
        t.join();
        assertEquals(ENOMEM, other.get());
        assertEquals(EINVAL, LIBC.munmap(1, 4096));
    }

    @Test
    void prctlReadsTheThpSetting() {
        int r = LIBC.prctl(LinuxConstants.PR_GET_THP_DISABLE, 0);
        assertTrue(r == 0 || r == 1, "PR_GET_THP_DISABLE gave " + r);
        assertEquals(-EINVAL, LIBC.prctl(-1, 0));
    }

    @Test
    void getrandomFills() {
        byte[] b = new byte[300];
        int n = LIBC.getrandom(b, 10, 290);
        assertTrue(n > 0 && n <= 290, "getrandom gave " + n);
    }

    @Test
    void getrusageAndGetcpuWork() {
        LinuxSyscalls.ResourceUsage u = LIBC.getrusage();
        assertNotNull(u);
        assertTrue(u.maxRssKiB() > 0 && u.userMicros() > 0);
        assertTrue(LIBC.getcpuNode() >= 0);
    }

    @Test
    void mbindOfUnmappedMemoryFails() {
        assertTrue(LIBC.mbind(4096, 4096, LinuxConstants.MPOL_PREFERRED, 1, 0) != 0);
    }

    @Test
    void mbindToNodeZeroWorksOrIsUnsupported() {
        long p = LIBC.mmap(0, 1 << 16, LinuxConstants.PROT_READ_WRITE, LinuxConstants.MAP_PRIVATE | LinuxConstants.MAP_ANONYMOUS);
        assertTrue(p > 0);
        try {
            int error = LIBC.mbind(p, 1 << 16, LinuxConstants.MPOL_PREFERRED, 1, 0);
            // ENOSYS without NUMA support in the kernel, EPERM under some seccomp profiles.
            assertTrue(error == 0 || error == LinuxConstants.ENOSYS || error == LinuxConstants.EPERM, "mbind: " + Errno.describe(error));
            assertEquals(EINVAL, LIBC.mbind(p, 1 << 16, LinuxConstants.MPOL_PREFERRED, 0, 0xffff), "bad flags");
        } finally {
            assertEquals(0, LIBC.munmap(p, 1 << 16));
        }
    }

    @Test
    void filesAndDirectories() {
        assertTrue(LIBC.readFile("/proc/meminfo").contains("MemTotal"));
        assertNull(LIBC.readFile("/nonexistent/file"));
        assertTrue(LIBC.listDirectory("/nonexistent").isEmpty());
        assertTrue(LIBC.listDirectory("/proc/self").contains("status"));
    }
}
