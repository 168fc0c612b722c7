package dev.nalloc.core.segment;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Option;
import dev.nalloc.core.SimulatedOs;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestEngines;
import dev.nalloc.core.arena.MemoryArena;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.arena.ArenaProbes;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code eager_commit}, {@code eager_commit_delay} and {@code arena_eager_commit}, seen as the commit
 * flag of every reservation the simulated OS layer receives.
 */
class EagerCommitTest {

    private static final long MIB = 1L << 20;

    /** Allocates 8 MiB blocks until the thread holds {@code segments} segments; returns the blocks. */
    private static List<Long> fillSegments(Allocator a, int segments) {
        TestEngines.View engine = TestEngines.of(a);
        List<Long> blocks = new ArrayList<>();
        while (engine.segments.segments() < segments) {
            long p = a.malloc(8 * MIB);
            assertTrue(p != 0);
            blocks.add(p);
        }
        return blocks;
    }

    private static List<Boolean> segmentCommits(long eager, long delay) {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = TestAllocators.builder().os(os).option(Option.DISALLOW_ARENA_ALLOC, 1)
                .option(Option.EAGER_COMMIT, eager).option(Option.EAGER_COMMIT_DELAY, delay).build()) {
            fillSegments(a, 3).forEach(a::free);
        }
        return List.copyOf(os.reserveCommits);
    }

    @Test
    void theFirstEagerCommitDelaySegmentsOfAThreadAreCommittedOnDemand() {
        assertEquals(List.of(false, false, true), segmentCommits(1, 2));
        assertEquals(List.of(false, true, true), segmentCommits(1, 1));
        assertEquals(List.of(true, true, true), segmentCommits(1, 0));
    }

    @Test
    void eagerCommitOffCommitsEverySegmentOnDemand() {
        assertEquals(List.of(false, false, false), segmentCommits(0, 0));
    }

    @Test
    void aSegmentCommittedOnDemandCommitsOnlyWhatItsPagesUse() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = TestAllocators.builder().os(os).option(Option.DISALLOW_ARENA_ALLOC, 1)
                .option(Option.EAGER_COMMIT_DELAY, 4).build()) {
            long p = a.malloc(100);
            long committed = a.stats().committed();
            assertTrue(committed > 0 && committed <= 2 * MIB, "one small page, not the whole segment: " + committed);
            a.free(p);
        }
    }

    private static boolean arenaCommitted(long arenaEagerCommit, boolean overcommit) {
        SimulatedOs os = new SimulatedOs();
        os.overcommit = overcommit;
        try (Allocator a = TestAllocators.builder().os(os).option(Option.ARENA_EAGER_COMMIT, arenaEagerCommit).build()) {
            long p = a.malloc(100);
            MemoryArena arena = TestEngines.of(a).arenas.get(0);
            boolean committed = ArenaProbes.committedBytes(arena) == arena.size();
            assertEquals(committed, os.reserveCommits.get(0), "the reservation's commit flag");
            a.free(p);
            return committed;
        }
    }

    @Test
    void arenaEagerCommitIsOffOnOrOnlyWhereTheOsOvercommits() {
        assertEquals(false, arenaCommitted(0, true));
        assertEquals(true, arenaCommitted(1, false));
        assertEquals(true, arenaCommitted(2, true));
        assertEquals(false, arenaCommitted(2, false));
    }

    @Test
    void aSegmentFromAnEagerlyCommittedArenaIsCommittedWhateverEagerCommitSays() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = TestAllocators.builder().os(os).option(Option.ARENA_EAGER_COMMIT, 1)
                .option(Option.EAGER_COMMIT, 0).build()) {
            long p = a.malloc(100);
            assertEquals(List.of(true), os.reserveCommits, "one reservation: the committed arena");
            TestEngines.View engine = TestEngines.of(a);
            assertEquals(engine.arenas.get(0).size(), a.stats().osCommitted(), "the OS committed the whole arena");
            assertEquals(Layout.SMALL_PAGE_SIZE, a.stats().committed(), "in use: the one small page");
            a.free(p);
        }
    }
}
