package dev.nalloc.core;

import dev.nalloc.api.AllocatorStats.Bin;
import dev.nalloc.api.AllocatorStats.Count;
import dev.nalloc.core.memory.SizeClasses;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.SegmentMemory;
import dev.nalloc.core.stats.EngineStats;
import dev.nalloc.core.stats.Gauges;
import dev.nalloc.core.stats.StatsSnapshot;
import dev.nalloc.core.stats.ThreadCounters;
import dev.nalloc.spi.OsPrimitives;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link StatsSnapshot} of one instance: the shared counts of {@link EngineStats}, the
 * per-thread {@link ThreadCounters} summed, and a {@code PageCensus} of the live pages. The peaks of
 * live bytes, blocks and huge blocks come from the {@link Gauges} (tracked at slow-path events) and
 * are at least the highest value a snapshot saw; the peaks of the other derived figures (normal,
 * large, pages, size classes) are only sampled here, at snapshot time. See docs/statistics.md.
 */
final class StatsAssembler {

    private final Map<String, Long> peaks = new HashMap<>();
    private final long[] binPeaks = new long[SizeClasses.BIN_COUNT];

    /** Assembles a snapshot; thread-safe (snapshots of one instance are serialised here). */
    synchronized StatsSnapshot assemble(String name, EngineStats stats, SegmentMemory segments,
                                               List<ThreadCounters> threads, OsPrimitives os) {
        PageCensus census = new PageCensus();
        segments.forEachPageSpan(s -> census.accept((Page) s));
        ThreadCounters sum = new ThreadCounters();
        for (ThreadCounters t : threads) {
            t.addTo(sum);
        }
        stats.withRetired(r -> r.addTo(sum)); // threads whose data was dropped
        long[] adjust = sum.adjust;
        long[] settled = sum.settled;
        long pages = sum.pages();
        long pagesMade = sum.pagesMade();
        long extended = sum.pagesExtended();
        long generic = sum.genericCalls();
        long genericBytes = sum.genericBytes();
        long collects = sum.collects();
        long hugeAllocated = sum.hugeAllocated();
        long hugeBytesTotal = sum.hugeBytes();

        List<Bin> bins = new ArrayList<>();
        long liveBlocks = census.hugeBlocks;
        long liveBytes = census.hugeBytes;
        long[] normal = new long[4]; // current blocks, current bytes, allocated blocks, allocated bytes
        long[] large = new long[4];
        for (int b = 1; b < SizeClasses.BIN_HUGE; b++) {
            long current = census.used[b] + adjust[b];
            long allocated = settled[b] + census.rewound[b] + census.used[b];
            if (current == 0 && allocated <= 0 && census.pages[b] == 0) {
                continue;
            }
            long bs = SizeClasses.binSize(b);
            binPeaks[b] = Math.max(binPeaks[b], current);
            bins.add(new Bin(b, bs, new Count(current, binPeaks[b], allocated, allocated - current), census.pages[b]));
            liveBlocks += current;
            liveBytes += current * bs;
            long[] kind = bs <= Layout.MEDIUM_OBJ_SIZE_MAX ? normal : large;
            kind[0] += current;
            kind[1] += current * bs;
            kind[2] += allocated;
            kind[3] += allocated * bs;
        }

        Map<String, Count> counts = new LinkedHashMap<>();
        counts.put("reserved", stats.reserved.snapshot());
        counts.put("committed", stats.committed.snapshot());
        counts.put("os_committed", stats.osCommitted.snapshot());
        Gauges g = stats.gauges;
        counts.put("allocated", tracked("allocated", g.getVolatilePeak(Gauges.BYTES), liveBytes,
                normal[3] + large[3] + hugeBytesTotal, normal[3] + large[3] + hugeBytesTotal - liveBytes));
        counts.put("blocks", tracked("blocks", g.getVolatilePeak(Gauges.BLOCKS), liveBlocks,
                normal[2] + large[2] + hugeAllocated, normal[2] + large[2] + hugeAllocated - liveBlocks));
        counts.put("normal", sampled("normal", normal[1], normal[3], normal[3] - normal[1]));
        counts.put("normal_count", sampled("normal_count", normal[0], normal[2], normal[2] - normal[0]));
        counts.put("large", sampled("large", large[1], large[3], large[3] - large[1]));
        counts.put("large_count", sampled("large_count", large[0], large[2], large[2] - large[0]));
        counts.put("huge", tracked("huge", g.getVolatilePeak(Gauges.HUGE), census.hugeBytes, hugeBytesTotal,
                hugeBytesTotal - census.hugeBytes));
        counts.put("huge_count", tracked("huge_count", g.getVolatilePeak(Gauges.HUGE_COUNT), census.hugeBlocks, hugeAllocated,
                hugeAllocated - census.hugeBlocks));
        counts.put("pages", sampled("pages", pages, pagesMade, pagesMade - pages));
        counts.put("segments", stats.segments.snapshot());
        counts.put("huge_segments", stats.hugeSegments.snapshot());
        counts.put("abandoned_segments", stats.abandoned.snapshot());
        counts.put("arenas", stats.arenas.snapshot());
        counts.put("threads", stats.threads.snapshot());

        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("mmap_calls", stats.mmapCalls.get());
        counters.put("munmap_calls", stats.munmapCalls.get());
        counters.put("commit_calls", stats.commitCalls.get());
        counters.put("decommit_calls", stats.decommitCalls.get());
        counters.put("reset_calls", stats.resetCalls.get());
        counters.put("reset_bytes", stats.resetBytes.get());
        counters.put("purge_calls", stats.purgeCalls.get());
        counters.put("purged_bytes", stats.purgedBytes.get());
        counters.put("segments_from_arena", stats.segmentsFromArena.get());
        counters.put("segments_from_os", stats.segmentsFromOs.get());
        counters.put("segments_reclaimed", stats.segmentsReclaimed.get());
        counters.put("pages_extended", extended);
        counters.put("generic_calls", generic);
        counters.put("generic_bytes", genericBytes);
        counters.put("collect_calls", collects);
        counters.put("out_of_memory", stats.outOfMemory.get());
        counters.put("os_failures", stats.osFailures.get());
        counters.put("misuse", stats.misuse.get());

        Count all = counts.get("allocated");
        return new StatsSnapshot(name, liveBytes, all.peak(), liveBlocks, counts, counters, bins, os,
                segments::residentBytes);
    }

    /** A derived count whose peak is the highest current value a snapshot saw. */
    private Count sampled(String key, long current, long allocated, long freed) {
        long peak = Math.max(current, peaks.getOrDefault(key, 0L));
        peaks.put(key, peak);
        return new Count(current, peak, allocated, freed);
    }

    /** A derived count with a tracked peak ({@link Gauges}), never below what a snapshot saw. */
    private Count tracked(String key, long trackedPeak, long current, long allocated, long freed) {
        long peak = Math.max(trackedPeak, Math.max(current, peaks.getOrDefault(key, 0L)));
        peaks.put(key, peak);
        return new Count(current, peak, allocated, freed);
    }

    /** The sampled peaks start afresh (see {@code Allocator.resetPeaks}). */
    synchronized void resetPeaks() {
        peaks.clear();
        java.util.Arrays.fill(binPeaks, 0);
    }
}
