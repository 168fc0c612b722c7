package dev.nalloc.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allocator-bench Larson crash, made deterministic ({@link CloseDuringThreadDoneProbe} in a
 * child JVM): a thread held inside {@code threadDone} while the instance closes used to fault
 * (SEGV_MAPERR) in the free-list walk of {@code LocalHeap.abandonPages}, because close unmapped
 * the memory. Close now retires the memory instead (contents dropped, address space kept until the
 * instance is unreachable), so the worker's {@code threadDone} returns or fails with
 * {@link IllegalStateException}, and the process lives on.
 */
class CloseDuringThreadDoneTest {

    private static ProbeJvm.Result run(String scenario) throws Exception {
        return ProbeJvm.run(CloseDuringThreadDoneProbe.class, scenario);
    }

    @Test
    void closingWhileAThreadIsInsideThreadDoneLeavesItMemoryToTouch() throws Exception {
        ProbeJvm.Result c = run("close-during");
        assertTrue(c.output().contains(CloseDuringThreadDoneProbe.BEFORE), () -> "the probe did not get to the close: " + c);
        assertEquals(0, c.exitCode(), c::toString);
        assertTrue(c.output().contains(CloseDuringThreadDoneProbe.SURVIVED), c::toString);
        assertTrue(c.output().contains(CloseDuringThreadDoneProbe.OUTCOME + "returned")
                || c.output().contains(CloseDuringThreadDoneProbe.OUTCOME + "nalloc: the allocator is closed"), c::toString);
        assertTrue(c.errorReport().isEmpty(), c::toString);
    }

    @Test
    void closingAfterThreadDoneReturnedIsFine() throws Exception {
        ProbeJvm.Result c = run("close-after");
        assertEquals(0, c.exitCode(), c::toString);
        assertTrue(c.output().contains(CloseDuringThreadDoneProbe.OUTCOME + "returned"), c::toString);
        assertTrue(c.output().contains(CloseDuringThreadDoneProbe.SURVIVED), c::toString);
    }
}
