package dev.nalloc.os.linux;

import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.lang.reflect.Method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The int-returning memory calls allocate nothing on the Java heap once compiled: errno is
 * captured into a per-thread segment, pointers travel as longs.
 */
@EnabledOnOs(value = OS.LINUX, architectures = {"amd64", "aarch64"})
class SteadyStateGarbageTest {

    private static final int CALLS = 20_000;
    private static final int MAX_ROUNDS = 25;

    /** Bytes the current thread has allocated, through com.sun.management (read reflectively). */
    private static long allocatedBytes() throws ReflectiveOperationException {
        Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
        Object bean = factory.getMethod("getThreadMXBean").invoke(null);
        Method m = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        return (long) m.invoke(bean);
    }

    @Test
    void resetProtectAndNumaNodeQueriesAllocateNothingOnceWarm() throws ReflectiveOperationException {
        OsPrimitives os = new LinuxOsPrimitives();
        OsPrimitives.Allocation a = os.alloc(0, 1 << 16, 0, true, false);
        assertTrue(a.ok());
        try {
            allocatedBytes(); // resolve the reflection before measuring
            long best = Long.MAX_VALUE;
            for (int round = 0; round < MAX_ROUNDS && best >= 4096; round++) {
                long before = allocatedBytes();
                long after = before;
                int errors = 0;
                for (int i = 0; i < CALLS; i++) {
                    errors += os.reset(a.address(), 4096);
                    errors += os.protect(a.address(), 4096, false);
                    errors += os.currentNumaNode();
                    errors += os.protect(a.address() + 1, 4096, false) == 0 ? 1 : 0; // the refused path too
                }
                after = allocatedBytes();
                assertEquals(0, errors);
                best = Math.min(best, after - before);
            }
            // Reading the counter reflectively allocates about a kilobyte itself; garbage per call
            // would be at least 16 bytes times 80,000 calls.
            assertTrue(best < 4096, "bytes allocated by " + CALLS + " rounds of four calls, at best: " + best);
        } finally {
            os.free(a.address(), a.size());
        }
    }
}
