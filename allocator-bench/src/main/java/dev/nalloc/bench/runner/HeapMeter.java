package dev.nalloc.bench.runner;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;

/**
 * The Java heap an allocator holds: live heap measured after garbage collections. A child measures
 * it with the allocator not yet opened (the baseline), samples what every collection during the
 * workload left live, and measures again once the workload is done with the allocator still open.
 */
public final class HeapMeter {

    private static final List<MemoryPoolMXBean> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP && p.isValid()).toList();

    private HeapMeter() {
    }

    /** Live heap bytes after a full collection ({@code System.gc()} twice: finalizable and weak objects go too). */
    public static long liveAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * What the most recent collections left live in the heap pools (each pool's usage after its last
     * collection, summed), or -1 when the JVM reports none yet.
     */
    public static long afterLastCollections() {
        long sum = 0;
        boolean any = false;
        for (MemoryPoolMXBean p : HEAP_POOLS) {
            MemoryUsage u = p.getCollectionUsage();
            if (u != null) {
                sum += u.getUsed();
                any = true;
            }
        }
        return any ? sum : -1;
    }
}
