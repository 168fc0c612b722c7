package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Option;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Memory really goes back: on the real OS layer, the process's resident set (from the OS layer's
 * process information) drops soon after a large working set is freed (the arena delay, 10 ms × 10
 * here, plus scheduling slack), and stays bounded while a working set is allocated and freed over
 * and over. Sizes: {@code nalloc.rss.mib} (default 256) and {@code nalloc.rss.rounds} (default 30).
 */
class RssTest {

    private static final long MIB = 1L << 20;
    private static final long DELAY_MS = 10;
    private static final long ARENA_MULT = 10;
    /** How long the purge may take beyond the arena delay on a loaded 2-core machine. */
    private static final long SLACK_MS = 2_000;

    private final OsPrimitives os = OsPrimitives.best();

    private long rss() {
        return os.processInfo().currentRss();
    }

    @SuppressWarnings("restricted") // the tests run with native access granted
    private static void touch(long p, long size) {
        MemorySegment.ofAddress(p).reinterpret(size).fill((byte) 1);
    }

    @Test
    void rssDropsWithinTheDelayAfterAFreeAndStaysLowUnderChurn() throws InterruptedException {
        assumeTrue(rss() > 0, "the OS layer reports no resident set size");
        long workingSet = Long.getLong("nalloc.rss.mib", 256) * MIB;
        int rounds = Integer.getInteger("nalloc.rss.rounds", 30);
        long block = MIB;
        int n = (int) (workingSet / block);
        long[] blocks = new long[n];
        try (Allocator a = TestAllocators.builder().option(Option.PURGE_DELAY, DELAY_MS)
                .option(Option.ARENA_PURGE_MULT, ARENA_MULT).option(Option.PURGE_DECOMMITS, 1).build()) {
            long before = rss();
            for (int i = 0; i < n; i++) {
                blocks[i] = a.malloc(block);
                touch(blocks[i], block);
            }
            long full = rss();
            // (other JVM memory may shrink meanwhile: the growth is a sanity check, not exact)
            assertTrue(full - before >= workingSet * 4 / 5,
                    "the working set is resident: " + (full - before) / MIB + " MiB grown");

            for (int i = 0; i < n; i++) {
                a.free(blocks[i]);
            }
            long freedAt = System.nanoTime();
            long target = full - workingSet * 2 / 3;
            long low = waitForRss(a, target, DELAY_MS * ARENA_MULT + SLACK_MS);
            long tookMs = (System.nanoTime() - freedAt) / 1_000_000;
            assertTrue(low <= target, "RSS did not drop: " + full / MIB + " MiB -> " + low / MIB + " MiB after "
                    + tookMs + " ms (target " + target / MIB + " MiB)");

            // Churn: allocate and free a quarter of the working set per round. Resident memory may
            // hold the live quarter, a quarter freed but not yet purged (within the delay), the
            // spare segment and one partly used segment, plus the JVM's own noise (32 MiB).
            long churn = workingSet / 4;
            int m = (int) (churn / block);
            long bound = low + 2 * churn + 2 * Layout.SEGMENT_SIZE + 32 * MIB;
            long peak = 0;
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < m; i++) {
                    blocks[i] = a.malloc(block);
                    touch(blocks[i], block);
                }
                peak = Math.max(peak, rss());
                for (int i = 0; i < m; i++) {
                    a.free(blocks[i]);
                }
                Thread.sleep(r % 3 == 0 ? DELAY_MS : 0); // some rounds let purges fall due
                peak = Math.max(peak, rss());
            }
            assertTrue(peak <= bound, "RSS under churn " + peak / MIB + " MiB exceeds " + bound / MIB + " MiB");
            long after = waitForRss(a, low + 2 * Layout.SEGMENT_SIZE + 32 * MIB, DELAY_MS * ARENA_MULT + SLACK_MS);
            assertTrue(after <= low + 2 * Layout.SEGMENT_SIZE + 32 * MIB,
                    "RSS after churn did not come back down: " + after / MIB + " MiB, low was " + low / MIB + " MiB");
        }
    }

    /** Polls (with a light collect, not a forced one) until RSS is at most {@code target}; returns the last RSS. */
    private long waitForRss(Allocator a, long target, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        long now;
        while ((now = rss()) > target && System.nanoTime() < deadline) {
            Thread.sleep(5);
            a.collect(false);
        }
        return now;
    }
}
