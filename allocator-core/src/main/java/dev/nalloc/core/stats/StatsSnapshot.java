package dev.nalloc.core.stats;

import dev.nalloc.api.AllocatorStats;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of one allocator instance's statistics. Live blocks are summed from the pages'
 * {@code used} counts plus each thread's remote-free adjustments (see {@link ThreadCounters}), exact
 * whenever the threads are quiescent; {@code allocatedPeak} is the highest {@code allocated} any
 * snapshot has seen (best effort: the hot paths do not sample it).
 *
 * @param reserved        bytes of address space reserved from the OS
 * @param committed       bytes committed
 * @param allocated       bytes in live blocks (usable sizes)
 * @param allocatedPeak   the highest {@code allocated} seen by a snapshot
 * @param allocationCount live blocks
 * @param reservedPeak    peak of {@code reserved}
 * @param committedPeak   peak of {@code committed}
 * @param segments        segments mapped (huge ones included)
 * @param hugeSegments    huge segments mapped
 * @param arenas          arenas reserved
 * @param arenaReserved   bytes reserved by arenas
 * @param pages           pages held by heaps
 * @param threads         threads that used the instance
 * @param genericCalls    calls of the slow allocation path
 * @param osAllocations   reservations asked of the OS
 */
public record StatsSnapshot(long reserved, long committed, long allocated, long allocatedPeak, long allocationCount,
                            long reservedPeak, long committedPeak, long segments, long hugeSegments, long arenas,
                            long arenaReserved, long pages, long threads, long genericCalls, long osAllocations)
        implements AllocatorStats {

    /** The values by JSON field name, in a stable order. */
    public Map<String, Long> asMap() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("reserved", reserved);
        m.put("committed", committed);
        m.put("allocated", allocated);
        m.put("allocatedPeak", allocatedPeak);
        m.put("allocationCount", allocationCount);
        m.put("reservedPeak", reservedPeak);
        m.put("committedPeak", committedPeak);
        m.put("segments", segments);
        m.put("hugeSegments", hugeSegments);
        m.put("arenas", arenas);
        m.put("arenaReserved", arenaReserved);
        m.put("pages", pages);
        m.put("threads", threads);
        m.put("genericCalls", genericCalls);
        m.put("osAllocations", osAllocations);
        return m;
    }

    @Override
    public String toJson() {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Long> e : asMap().entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append('"').append(e.getKey()).append("\":").append(e.getValue());
        }
        return sb.append('}').toString();
    }
}
