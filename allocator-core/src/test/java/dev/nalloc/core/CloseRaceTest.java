package dev.nalloc.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code close()} while other threads are inside the instance's calls, in every mode, each in a
 * child JVM ({@link CloseRaceProbe}: the test fails if it crashes, as it did when close unmapped
 * the memory). The calls complete or throw {@link IllegalStateException}; contents change only
 * once the close has begun; and once the instances are unreachable the OS side's ledger is back
 * to zero. {@code -Dnalloc.soak=…} runs rounds for that long.
 */
class CloseRaceTest {

    @ParameterizedTest
    @ValueSource(strings = {"FAST", "CHECKED", "SECURE", "FAST virtual", "CHECKED virtual", "SECURE virtual"})
    void callsRacingWithCloseCompleteOrThrowIllegalStateException(String modeAndThreads) throws Exception {
        String[] words = modeAndThreads.split(" ");
        String args = words[0] + " " + Soak.seconds() + (words.length > 1 ? " " + words[1] : "");
        ProbeJvm.Result r = ProbeJvm.run(CloseRaceProbe.class, args);
        assertFalse(r.output().contains(CloseRaceProbe.FAILED), r::toString);
        assertTrue(r.output().contains(CloseRaceProbe.DONE + " " + words[0]), r::toString);
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.errorReport().isEmpty(), r::toString);
    }
}
