package dev.nalloc.core.heap;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestEngines;
import dev.nalloc.core.TestThreads;
import dev.nalloc.core.segment.AbandonedSegments;
import dev.nalloc.core.segment.SegmentProbes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Option {@code target_segments_per_thread} (mimalloc's {@code mi_segments_try_abandon}): a live
 * thread at the target abandons the segments of its full pages before it maps another, its blocks
 * stay valid, frees into them become remote ones (also right after a free cached the segment),
 * another thread may take them over, and empty ones go back.
 */
class TargetSegmentsTest {

    private static final long MIB = 1L << 20;

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aThreadAtItsTargetAbandonsFullSegmentsAndTheBlocksStayValid(Mode mode) throws Exception {
        try (Allocator a = TestAllocators.builder().mode(mode).build()) {
            TestEngines.View engine = TestEngines.of(a);
            AbandonedSegments abandoned = engine.abandoned;
            a.setOption(Option.TARGET_SEGMENTS_PER_THREAD, 2);
            long first = a.malloc(64);
            a.free(first); // the slot now caches the first segment for local frees
            LocalHeap heap = engine.ownHeap();
            List<Long> blocks = new ArrayList<>();
            int maxSegments = 0;
            for (int i = 0; i < 150; i++) { // 1 MiB blocks: about 30 per segment, so 5 segments' worth
                long p = a.malloc(MIB);
                assertTrue(p != 0);
                TestAllocators.fill(p, 4096, i);
                blocks.add(p);
                maxSegments = Math.max(maxSegments, heap.tld.space.segments());
            }
            // A soft bound, as in mimalloc: a reclaim search may take over a segment visited too often.
            assertTrue(maxSegments <= 3, "at most one segment over the target: " + maxSegments);
            assertTrue(abandoned.count() >= 2, "full segments were abandoned while the thread lives: " + abandoned.count());
            for (int i = 0; i < blocks.size(); i++) {
                assertTrue(TestAllocators.check(blocks.get(i), 4096, i), "block " + i + " intact");
            }
            // Another thread frees half of them, this thread the rest: frees into abandoned segments are remote.
            List<Long> half = new ArrayList<>(blocks.subList(0, 75));
            TestThreads.runOnNewThread(() -> half.forEach(a::free));
            for (long p : blocks.subList(75, 150)) {
                a.free(p);
            }
            heap.checkInvariants();
            a.collect(true); // looks at the abandoned segments: empty ones go back
            assertEquals(0, abandoned.count(), "every abandoned segment emptied and went back");
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void withATargetAThreadReclaimsNoMoreThanIt(Mode mode) throws Exception {
        try (Allocator a = TestAllocators.builder().mode(mode).option(Option.TARGET_SEGMENTS_PER_THREAD, 1).build()) {
            TestEngines.View engine = TestEngines.of(a);
            long[] left = new long[3];
            for (int i = 0; i < 3; i++) {
                int k = i;
                TestThreads.runOnNewThread(() -> {
                    left[k] = a.malloc(100);
                    a.threadDone();
                });
            }
            int before = engine.abandoned.count();
            long p = a.malloc(100);
            assertTrue(engine.ownHeap().tld.space.segments() <= 1, "at most the target");
            assertTrue(engine.abandoned.count() >= before - 1, "reclaimed at most one");
            a.free(p);
            for (long b : left) {
                a.free(b);
            }
            a.collect(true);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    /** Segments are abandoned while another thread frees into their pages: no block is lost or freed twice. */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void abandoningWhileAnotherThreadFreesIntoTheSegments(Mode mode) throws Exception {
        try (Allocator a = TestAllocators.builder().mode(mode).option(Option.TARGET_SEGMENTS_PER_THREAD, 2).build()) {
            TestEngines.View engine = TestEngines.of(a);
            java.util.concurrent.BlockingQueue<Long> toFree = new java.util.concurrent.LinkedBlockingQueue<>();
            TestThreads.Running consumer = TestThreads.start(() -> { // the freeing thread
                for (long p; (p = toFree.take()) != 0; ) {
                    if (!TestAllocators.check(p, 64, p)) {
                        throw new AssertionError("block " + Long.toHexString(p) + " corrupted before its free");
                    }
                    a.free(p);
                }
            });
            java.util.Random r = new java.util.Random(7);
            List<Long> kept = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                long size = r.nextInt(3) == 0 ? 300_000 + r.nextInt(700_000) : 64 + r.nextInt(2000); // at least the 64 bytes filled
                long p = a.malloc(size);
                TestAllocators.fill(p, 64, p);
                if (r.nextInt(3) == 0) {
                    kept.add(p);
                } else {
                    toFree.put(p);
                }
                if (kept.size() > 300) { // about 100 large blocks kept: 3 segments or more
                    long q = kept.remove(r.nextInt(kept.size()));
                    assertTrue(TestAllocators.check(q, 64, q));
                    a.free(q);
                }
            }
            toFree.put(0L);
            consumer.join(Duration.ofSeconds(120));
            for (long q : kept) {
                assertTrue(TestAllocators.check(q, 64, q));
                a.free(q);
            }
            assertTrue(SegmentProbes.abandonedEver(engine.abandoned) > 0, "segments were abandoned while the other thread freed");
            engine.ownHeap().checkInvariants();
            a.collect(true);
            assertEquals(0, a.stats().allocationCount());
            assertEquals(0, engine.abandoned.count(), "all emptied and given back");
        }
    }
}
