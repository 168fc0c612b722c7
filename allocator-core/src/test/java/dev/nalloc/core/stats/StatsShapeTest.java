package dev.nalloc.core.stats;

import dev.nalloc.core.BytecodeSizes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The statistics' shapes that keep C2's code of the slow paths from trapping (marked "C2 shape" or
 * "no branch" in the code): a test whose profile was one-sided while C2 compiled it traps at the
 * first call that takes its other side, and the caller runs interpreted until compiled again.
 * {@link ThreadCounters#blocksChanged} has no branch (increases only through {@code Math.max});
 * {@link UnownedFrees}' sums take their weight from a table, not a branch on bytes or blocks.
 */
class StatsShapeTest {

    @Test
    void gaugeChangesAreAddedWithoutABranch() throws IOException {
        assertEquals(0, BytecodeSizes.branches(ThreadCounters.class, "blocksChanged"),
                "ThreadCounters.blocksChanged must stay without a branch");
    }

    @Test
    void unownedFreeSumsAreWeighedByATable() throws IOException {
        for (String sum : new String[]{"getOpaqueBytes", "getOpaqueBlocks"}) {
            assertEquals(0, BytecodeSizes.branches(UnownedFrees.class, sum), "UnownedFrees." + sum + " must stay without a branch");
            assertEquals(List.of("UnownedFrees.sum"), BytecodeSizes.calls(UnownedFrees.class, sum), "UnownedFrees." + sum);
        }
    }
}
