package dev.nalloc.core.os;

import dev.nalloc.api.Mode;
import dev.nalloc.core.ProbeJvm;
import dev.nalloc.core.Soak;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OS faults in every mode, each mode's scenarios in a child JVM ({@link FaultInjectionProbe}: the
 * test fails if it crashes): every OS memory call (reserve, free, commit, decommit, reset, reuse,
 * protect, unprotect, discard) alone and all of them together failing at every k-th call
 * (k = 1, 2, 3, 7) and at random, by an error code, by throwing, and by throwing after the call
 * took effect; in CHECKED and SECURE also with guarded sampling where guards are concerned. No
 * unusable memory is handed out, no block's contents change, every fault is reported once, the
 * counts stay exact, the OS-side ledger is back to zero once the instance is gone, and a layer
 * that keeps throwing does not make memory grow. {@code -Dnalloc.soak=…} runs them for that long.
 */
class FaultInjectionTest {

    @ParameterizedTest
    @EnumSource(Mode.class)
    void everyOsCallFailsAtEveryKthCallAndAtRandom(Mode mode) throws Exception {
        ProbeJvm.Result r = ProbeJvm.run(FaultInjectionProbe.class, mode + " " + Soak.seconds());
        assertFalse(r.output().contains(FaultInjectionProbe.FAILED), r::toString);
        assertTrue(r.output().contains(FaultInjectionProbe.DONE + " " + mode), r::toString);
        assertEquals(0, r.exitCode(), r::toString);
    }
}
