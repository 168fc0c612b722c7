package dev.nalloc.core.arena;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Option;
import dev.nalloc.core.SimulatedOs;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestEngines;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Purge timing with a controlled clock (the simulated OS layer's): freed spans are purged
 * {@code purge_delay} ms after they were freed, arena blocks {@code purge_delay × arena_purge_mult}
 * ms after, on the next slow path or collect; -1 never (but a forced collect), 0 at once;
 * {@code purge_decommits} chooses decommit or reset; {@code purge_extend_delay} moves the deadline
 * while frees keep coming.
 */
class PurgeTimingTest {

    private static final long MIB = 1L << 20;

    private static Allocator build(SimulatedOs os, long delay, boolean decommits, boolean extend) {
        return TestAllocators.builder().os(os)
                .option(Option.PURGE_DELAY, delay)
                .option(Option.PURGE_DECOMMITS, decommits ? 1 : 0)
                .option(Option.PURGE_EXTEND_DELAY, extend ? 1 : 0)
                .option(Option.ARENA_PURGE_MULT, 10)
                .build();
    }

    /** Three 1 MiB blocks, each a large page of its own in one segment. */
    private static long[] threeLargeBlocks(Allocator a) {
        long[] p = {a.malloc(MIB), a.malloc(MIB), a.malloc(MIB)};
        for (long b : p) {
            assertTrue(b != 0);
            TestAllocators.fill(b, MIB, b);
        }
        return p;
    }

    @Test
    void aFreedSpanIsPurgedWhenItsDelayHasPassedNotBefore() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = build(os, 10, true, false)) {
            long[] p = threeLargeBlocks(a);
            a.free(p[0]); // not its bin's only page: the span goes back at once and is scheduled
            assertEquals(0, os.decommittedIn(p[0], MIB), "nothing is purged at the free");
            os.advanceMillis(9);
            a.collect(false);
            assertEquals(0, os.decommittedIn(p[0], MIB), "9 ms after the free: still waiting");
            os.advanceMillis(1);
            a.collect(false);
            assertEquals(MIB, os.decommittedIn(p[0], MIB), "10 ms after the free: decommitted");
            assertEquals(0, os.decommittedIn(p[1], MIB));
            assertTrue(TestAllocators.check(p[1], MIB, p[1]) && TestAllocators.check(p[2], MIB, p[2]),
                    "live neighbours are untouched");
            long again = a.malloc(MIB); // the purged span is used again: committed again, usable
            TestAllocators.fill(again, MIB, 7);
            assertTrue(TestAllocators.check(again, MIB, 7));
        }
    }

    @Test
    void aLaterSpanFreePurgesWhatIsDueWithoutCollect() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = build(os, 10, true, false)) {
            long[] p = threeLargeBlocks(a);
            a.free(p[0]);
            os.advanceMillis(10);
            a.free(p[1]); // the slow path of this free checks the deadline
            assertEquals(MIB, os.decommittedIn(p[0], MIB), "due span purged by the next span free");
            // One deadline per segment (as mimalloc's purge_expire): a span freed into a segment
            // whose deadline has passed is purged with it.
            assertEquals(MIB, os.decommittedIn(p[1], MIB));
            assertEquals(0, os.decommittedIn(p[2], MIB), "the live block's page is untouched");
        }
    }

    @Test
    void delayMinusOneNeverPurgesButAForcedCollectDoes() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = build(os, -1, true, false)) {
            long[] p = threeLargeBlocks(a);
            a.free(p[0]);
            os.advanceMillis(3_600_000);
            a.collect(false);
            a.free(p[1]);
            assertEquals(0, os.decommittedBytes(), "an hour later nothing was purged");
            a.collect(true);
            assertEquals(MIB, os.decommittedIn(p[0], MIB));
            assertEquals(MIB, os.decommittedIn(p[1], MIB));
        }
    }

    @Test
    void delayZeroPurgesAtTheFree() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = build(os, 0, true, false)) {
            long[] p = threeLargeBlocks(a);
            a.free(p[0]);
            assertEquals(MIB, os.decommittedIn(p[0], MIB), "purged without any time passing");
        }
    }

    @Test
    void purgeDecommitsOffResetsInstead() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = build(os, 10, false, false)) {
            long[] p = threeLargeBlocks(a);
            a.free(p[0]);
            os.advanceMillis(10);
            a.collect(false);
            assertEquals(MIB, os.resetIn(p[0], MIB), "reset (MADV_FREE-like)");
            assertEquals(0, os.decommittedIn(p[0], MIB), "not decommitted");
            long again = a.malloc(MIB);
            TestAllocators.fill(again, MIB, 9);
            assertTrue(TestAllocators.check(again, MIB, 9), "reset memory is usable at once");
        }
    }

    @Test
    void resetMemoryIsAnnouncedAsReusedBeforeItIsUsedAgain() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = build(os, 0, false, false)) {
            long[] p = threeLargeBlocks(a);
            a.free(p[0]); // reset at once
            assertEquals(MIB, os.resetIn(p[0], MIB));
            assertEquals(0, os.reusedIn(p[0], MIB), "not yet: the span is free");
            long again = a.malloc(MIB);
            assertEquals(p[0], again, "the same span");
            assertEquals(MIB, os.reusedIn(p[0], MIB), "reuse announced once, before the block is handed out");
            long huge = a.malloc(20 * MIB);
            long block = huge & -MemoryArena.BLOCK_SIZE;
            a.free(huge); // an arena block, reset at once
            assertEquals(MemoryArena.BLOCK_SIZE, os.resetIn(block, MemoryArena.BLOCK_SIZE));
            long huge2 = a.malloc(20 * MIB);
            assertEquals(block, huge2 & -MemoryArena.BLOCK_SIZE);
            assertEquals(MemoryArena.BLOCK_SIZE, os.reusedIn(block, MemoryArena.BLOCK_SIZE));
            TestAllocators.fill(huge2, 20 * MIB, 4);
            assertTrue(TestAllocators.check(huge2, 20 * MIB, 4));
        }
    }

    @Test
    void resetSlicesOfASegmentGivenBackAreAnnouncedWhenTheBlockIsClaimedAgain() {
        SimulatedOs os = new SimulatedOs();
        // Spans reset at once; arena blocks never purged (so only the segment's own resets count).
        dev.nalloc.spi.PurgePolicy spansOnly = new dev.nalloc.spi.PurgePolicy() {
            @Override
            public long deadline(long now, long currentDeadline, boolean arena) {
                return arena ? NEVER : now;
            }

            @Override
            public boolean decommits() {
                return false;
            }
        };
        try (Allocator a = TestAllocators.builder().os(os).purgePolicy(spansOnly).build()) {
            long[] p = threeLargeBlocks(a);
            long block = p[0] & -MemoryArena.BLOCK_SIZE;
            a.free(p[0]); // its span is reset at once
            a.free(p[1]);
            a.free(p[2]); // the bin's last page: retired for a while
            a.collect(false); // now it goes, and the empty segment straight back to the arena
            assertTrue(os.resetIn(p[0], MIB) >= MIB, "the span was reset");
            assertTrue(os.resetIn(block, MemoryArena.BLOCK_SIZE) < MemoryArena.BLOCK_SIZE, "the arena block was not");
            long huge = a.malloc(20 * MIB); // claims the block again, as one huge segment
            assertEquals(block, huge & -MemoryArena.BLOCK_SIZE);
            assertTrue(os.reusedIn(p[0], MIB) >= MIB, "the reset span was announced as reused");
        }
    }

    @Test
    void purgeDecommitsOnDecommitsNotResets() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = build(os, 0, true, false)) {
            long[] p = threeLargeBlocks(a);
            a.free(p[0]);
            assertEquals(0, os.resetBytes());
            assertEquals(MIB, os.decommittedIn(p[0], MIB));
        }
    }

    @Test
    void freesThatKeepComingExtendTheDeadlineByATenth() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = build(os, 10, true, true)) {
            long[] p = threeLargeBlocks(a);
            a.free(p[0]);      // deadline t+10
            os.advanceMillis(5);
            a.free(p[1]);      // same segment: the deadline moves on by 1 ms, to t+11
            os.advanceMillis(5);
            a.collect(false);
            assertEquals(0, os.decommittedBytes(), "t+10: extended, still waiting");
            os.advanceMillis(1);
            a.collect(false);
            assertEquals(MIB, os.decommittedIn(p[0], MIB), "t+11: purged");
            assertEquals(MIB, os.decommittedIn(p[1], MIB));
        }
    }

    @Test
    void withoutExtensionTheFirstDeadlineHolds() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = build(os, 10, true, false)) {
            long[] p = threeLargeBlocks(a);
            a.free(p[0]);
            os.advanceMillis(5);
            a.free(p[1]);
            os.advanceMillis(5);
            a.collect(false);
            assertEquals(2 * MIB, os.decommittedIn(p[0], MIB) + os.decommittedIn(p[1], MIB), "both purged at t+10");
        }
    }

    @Test
    void arenaBlocksArePurgedAfterDelayTimesArenaPurgeMult() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = build(os, 10, true, false)) {
            long huge = a.malloc(20 * MIB); // a huge segment of one arena block
            assertTrue(huge != 0);
            TestAllocators.fill(huge, 20 * MIB, 3);
            long block = huge & -MemoryArena.BLOCK_SIZE;
            a.free(huge); // the block goes back to its arena, which schedules its purge
            os.advanceMillis(99);
            a.collect(false);
            assertEquals(0, os.decommittedIn(block, MemoryArena.BLOCK_SIZE), "99 ms: the arena waits 10 × 10 ms");
            os.advanceMillis(1);
            a.collect(false);
            assertEquals(MemoryArena.BLOCK_SIZE, os.decommittedIn(block, MemoryArena.BLOCK_SIZE), "100 ms: purged");
            long again = a.malloc(20 * MIB);
            assertTrue(TestAllocators.isZero(again, 20 * MIB), "a decommitted block reads as zero when reused");
        }
    }

    @Test
    void anEmptySegmentIsKeptAsSpareUntilTheDelayThenItsArenaPurgesIt() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = build(os, 10, true, false)) {
            long p = a.malloc(MIB);
            long block = p & -MemoryArena.BLOCK_SIZE;
            a.free(p);
            a.collect(false); // the page retires, then goes; the empty segment becomes the spare
            for (int i = 0; i < 20; i++) {
                a.collect(false);
            }
            long before = os.decommittedIn(block, MemoryArena.BLOCK_SIZE);
            assertEquals(0, before, "the spare segment is kept (no time passed)");
            os.advanceMillis(10);
            a.collect(false); // the spare goes back to the arena: arena delay starts
            assertEquals(0, os.decommittedIn(block, MemoryArena.BLOCK_SIZE) - before, "arena delay not passed yet");
            os.advanceMillis(100);
            a.collect(false);
            assertTrue(os.decommittedIn(block, MemoryArena.BLOCK_SIZE) > 0, "purged by the arena");
            assertEquals(0, TestEngines.of(a).stats().allocated());
        }
    }

    @Test
    void afterEverythingIsFreedAForcedCollectLeavesNothingCommitted() {
        SimulatedOs os = new SimulatedOs();
        // Arena blocks committed on use (an eagerly committed arena keeps its never-used blocks
        // committed, as mimalloc's: on an overcommitting OS they cost nothing until touched).
        try (Allocator a = TestAllocators.builder().os(os).option(Option.PURGE_DELAY, -1)
                .option(Option.ARENA_EAGER_COMMIT, 0).build()) {
            long[] blocks = new long[2000];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = a.malloc(16 + (i * 97L) % 70_000);
                TestAllocators.fill(blocks[i], 16, i);
            }
            long huge = a.malloc(20 * MIB);
            assertTrue(a.stats().committed() >= 20 * MIB);
            for (long b : blocks) {
                a.free(b);
            }
            a.free(huge);
            a.collect(true);
            assertEquals(0, a.stats().committed(), "every segment went back and every arena block was decommitted");
            assertTrue(a.stats().reserved() > 0, "the address space stays reserved for reuse");
        }
    }

    @Test
    void aForcedCollectPurgesEverythingAtOnce() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = build(os, 1000, true, false)) {
            long huge = a.malloc(20 * MIB);
            long[] p = threeLargeBlocks(a);
            a.free(p[0]);
            a.free(huge);
            a.collect(true);
            assertEquals(MIB, os.decommittedIn(p[0], MIB));
            long block = huge & -MemoryArena.BLOCK_SIZE;
            assertEquals(MemoryArena.BLOCK_SIZE, os.decommittedIn(block, MemoryArena.BLOCK_SIZE));
        }
    }
}
