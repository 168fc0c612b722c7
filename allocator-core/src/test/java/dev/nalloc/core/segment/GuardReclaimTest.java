package dev.nalloc.core.segment;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestThreads;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SECURE mode protects a guard page at the end of each page. A page of an abandoned segment that
 * a reclaiming thread finds all free becomes a free span without {@code freeSpan}: its guard page
 * must be made accessible then too, or a larger page cut over it later faults ({@code ModeStressTest}
 * crashed the JVM now and then; this test crashed it every time before {@code Page.markFree} lifted
 * guards on every path).
 */
class GuardReclaimTest {

    @Test
    void aReclaimedAllFreePageLeavesNoGuardBehind() throws Exception {
        try (Allocator a = TestAllocators.builder().mode(Mode.SECURE).build()) {
            long[] blocks = new long[64];
            TestThreads.runOnNewThread(() -> {
                for (int i = 0; i < blocks.length; i++) {
                    blocks[i] = a.malloc(64 + 64L * (i % 16)); // small pages of several bins, each with a guard
                }
                a.threadDone(); // its segment is abandoned with these pages in use
            });
            for (long b : blocks) {
                a.free(b); // remote frees: the pages become all free inside the abandoned segment
            }
            // This thread has no segment: its first page comes from reclaiming the abandoned one,
            // whose all-free pages become free spans; medium pages are then cut over them.
            List<Long> live = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                long p = a.malloc(20_000); // medium: 512 KiB pages over the former small pages
                assertTrue(p != 0);
                TestAllocators.fill(p, 20_000, i);
                live.add(p);
            }
            for (int i = 0; i < live.size(); i++) {
                assertTrue(TestAllocators.check(live.get(i), 20_000, i));
                a.free(live.get(i));
            }
        }
    }
}
