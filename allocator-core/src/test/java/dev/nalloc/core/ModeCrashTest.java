package dev.nalloc.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guard pages really fault at the first bad byte, and the aborting handler really ends the
 * process: each case runs {@link ModeCrashProbe} in a child JVM that is expected to die (as the
 * conformance suite's protection probe does).
 */
class ModeCrashTest {

    /** What HotSpot prints when a write faults (fatal error report, or an InternalError). */
    private static final List<String> FAULT_REPORTS = List.of("SIGSEGV", "SIGBUS", "fault occurred");

    private static ProbeJvm.Result run(String scenario) throws Exception {
        return ProbeJvm.run(ModeCrashProbe.class, scenario);
    }

    private static void assertFaulted(String scenario) throws Exception {
        ProbeJvm.Result c = run(scenario);
        assertTrue(c.output().contains(ModeCrashProbe.BEFORE), () -> "the probe did not get to the write: " + c);
        assertNotEquals(0, c.exitCode(), c::toString);
        assertFalse(c.output().contains(ModeCrashProbe.SURVIVED), c::toString);
        assertTrue(FAULT_REPORTS.stream().anyMatch(c.output()::contains), () -> "no memory fault reported: " + c);
    }

    @Test
    void writingInsideAGuardedBlockIsFine() throws Exception {
        ProbeJvm.Result c = run("control");
        assertEquals(0, c.exitCode(), c::toString);
        assertTrue(c.output().contains(ModeCrashProbe.SURVIVED), c::toString);
    }

    @Test
    void preciseGuardFaultsAtTheFirstByteAfterTheBlock() throws Exception {
        assertFaulted("guarded-precise");
    }

    @Test
    void guardFaultsAfterTheRoundedSpan() throws Exception {
        assertFaulted("guarded");
    }

    @Test
    void securePageGuardFaultsAfterTheLastBlockOfItsPage() throws Exception {
        assertFaulted("page-guard");
    }

    @Test
    void abortingHandlerEndsTheProcessOnADoubleFree() throws Exception {
        ProbeJvm.Result c = run("abort");
        assertTrue(c.output().contains(ModeCrashProbe.BEFORE), c::toString);
        assertEquals(134, c.exitCode(), c::toString);
        assertTrue(c.output().contains("nalloc: double free: the block at 0x"), c::toString);
        assertTrue(c.output().contains("; aborting"), c::toString);
        assertFalse(c.output().contains(ModeCrashProbe.SURVIVED), c::toString);
    }
}
