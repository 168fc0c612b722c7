package dev.nalloc.stats;

import org.junit.jupiter.api.Test;

import java.time.Duration;


import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Option {@code show_stats} prints the table when an instance closes and, for open ones, at exit (child JVM). */
class ShowStatsAtExitTest {

    @Test
    void tablesArePrintedAtCloseAndAtExit() throws Exception {
        String out = ChildJvm.run(ShowStatsMain.class, true, Duration.ofSeconds(60)); // no SLF4J binding: the table goes to standard error
        int closed = out.indexOf("nalloc statistics: closed-one");
        int done = out.indexOf("main done");
        int open = out.indexOf("nalloc statistics: open-one");
        assertTrue(closed >= 0 && done > closed, "printed at close, before main ended:\n" + out);
        assertTrue(open > done, "printed at exit:\n" + out);
        assertFalse(out.contains("quiet-one"), "show_stats is off for it:\n" + out);
        int leaky = out.indexOf("nalloc statistics: leaky-one");
        int leaks = out.indexOf("nalloc: leak: instance 'leaky-one' at exit: 5 live blocks (1500 bytes requested) at 1 allocation site");
        assertTrue(leaky > done && leaks > leaky, "leak detection's report follows the statistics at exit:\n" + out);
        assertTrue(out.substring(leaks).contains(ShowStatsMain.class.getName() + ".leakAtExit("), out);
        String atExit = out.substring(open);
        // the peak may count the rest of the carved batch of 64-byte blocks (docs/statistics.md#peaks)
        assertTrue(atExit.lines().anyMatch(l -> l.matches("blocks: +(4[2-9]|5\\d|6[0-4]) +42 +0 +42")), atExit);
        assertTrue(atExit.contains("process:"), atExit);
    }
}
