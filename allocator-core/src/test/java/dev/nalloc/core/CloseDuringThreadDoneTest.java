package dev.nalloc.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allocator-bench Larson crash, made deterministic ({@link CloseDuringThreadDoneProbe} in a
 * child JVM): closing an instance unmaps its memory, so an instance must not be closed while a
 * thread is still inside one of its calls, {@code threadDone} included. A thread held inside
 * {@code threadDone} while the instance closes faults (SEGV_MAPERR) in the free-list walk of
 * {@code LocalHeap.abandonPages}, as in the bench's crash reports; the same thread let go before
 * the close survives. The bench's Larson now waits for every link's {@code threadDone}
 * ({@link ThreadChainStressTest} runs that pattern in core).
 */
class CloseDuringThreadDoneTest {

    private static ProbeJvm.Result run(String scenario) throws Exception {
        return ProbeJvm.run(CloseDuringThreadDoneProbe.class, scenario);
    }

    @Test
    void closingWhileAThreadIsInsideThreadDoneUnmapsTheMemoryItAbandons() throws Exception {
        ProbeJvm.Result c = run("close-during");
        assertTrue(c.output().contains(CloseDuringThreadDoneProbe.BEFORE), () -> "the probe did not get to the close: " + c);
        assertNotEquals(0, c.exitCode(), c::toString);
        assertFalse(c.output().contains(CloseDuringThreadDoneProbe.SURVIVED), c::toString);
        assertTrue(c.errorReport().contains("SIGSEGV") && c.errorReport().contains("SEGV_MAPERR"), c::toString);
        assertTrue(c.errorReport().contains("LocalHeap.abandonPages") && c.errorReport().contains("NallocAllocator.threadDone"),
                c::toString);
    }

    @Test
    void closingAfterThreadDoneReturnedIsFine() throws Exception {
        ProbeJvm.Result c = run("close-after");
        assertEquals(0, c.exitCode(), c::toString);
        assertTrue(c.output().contains(CloseDuringThreadDoneProbe.SURVIVED), c::toString);
    }
}
