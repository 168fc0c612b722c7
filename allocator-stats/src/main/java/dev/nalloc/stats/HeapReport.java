package dev.nalloc.stats;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.api.HeapArea;
import dev.nalloc.api.LeakReport;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Live blocks by size class, walked with the visit machinery (mimalloc's
 * {@code mi_heap_visit_blocks}): what is still allocated and how much, largest first — the first
 * question about a leak. {@link #of(Allocator)} covers every heap of every thread of an instance
 * (areas only, read while the other threads run: exact once they are quiescent and have collected,
 * since a page counts a block another thread freed until its owner collects it);
 * {@link #ofBlocks(Heap, int)} walks one heap on its owner thread block by block and keeps sample
 * addresses of the live blocks. With leak detection on (option {@code leak_detection}),
 * {@link #of(Allocator)} also lists the recorded live blocks by allocation site: which code
 * allocated them.
 *
 * @param rows         one row per block size with live blocks, most live bytes first
 * @param pages        pages visited
 * @param liveBlocks   live blocks in all rows
 * @param liveBytes    bytes of live blocks in all rows
 * @param committed    bytes of the visited pages' carved blocks
 * @param sites        the recorded live blocks by allocation site ({@link Allocator#leakReport()}; only
 *                     in reports of a whole instance, else {@link LeakReport#off()})
 */
public record HeapReport(List<Row> rows, long pages, long liveBlocks, long liveBytes, long committed, LeakReport sites) {

    /** The rows and the sites are required; the rows are copied (an immutable list). */
    public HeapReport {
        rows = List.copyOf(rows);
        Objects.requireNonNull(sites, "sites");
    }

    /**
     * The live blocks of one block size.
     *
     * @param blockSize  bytes per block
     * @param pages      pages of this block size
     * @param liveBlocks live blocks
     * @param liveBytes  {@code liveBlocks * blockSize}
     * @param committed  bytes of carved blocks in those pages
     * @param reserved   bytes of those pages' block areas
     * @param samples    addresses of some live blocks (only from {@link #ofBlocks})
     */
    public record Row(long blockSize, long pages, long liveBlocks, long liveBytes, long committed, long reserved,
                      List<Long> samples) {
        /** The samples are required and copied (an immutable list). */
        public Row {
            samples = List.copyOf(samples);
        }
    }

    /**
     * {@return a report of every heap of every thread of {@code allocator}, by areas, with its
     * allocation sites when leak detection is on}
     *
     * @param allocator the allocator to walk ({@link Allocator#visitHeapAreas})
     */
    public static HeapReport of(Allocator allocator) {
        Builder b = new Builder(0);
        allocator.visitHeapAreas((area, block, blockSize) -> {
            b.area(area);
            return true;
        });
        b.sites = allocator.leakReport();
        return b.build();
    }

    /**
     * {@return a report of one heap, by areas} Call it on the heap's owner thread.
     *
     * @param heap the heap
     */
    public static HeapReport of(Heap heap) {
        Builder b = new Builder(0);
        heap.visitBlocks(false, (area, block, blockSize) -> {
            b.area(area);
            return true;
        });
        return b.build();
    }

    /**
     * {@return a report of one heap, block by block, with sample addresses} Call it on the heap's
     * owner thread.
     *
     * @param heap            the heap
     * @param samplesPerClass addresses kept per block size
     */
    public static HeapReport ofBlocks(Heap heap, int samplesPerClass) {
        if (samplesPerClass < 0) {
            throw new IllegalArgumentException("nalloc: negative samplesPerClass: " + samplesPerClass);
        }
        Builder b = new Builder(samplesPerClass);
        heap.visitBlocks(true, (area, block, blockSize) -> {
            if (block == 0) {
                b.area(area);
            } else {
                b.sample(blockSize, block);
            }
            return true;
        });
        return b.build();
    }

    /** {@return the report as a table (largest blocks first) with a total line} */
    public String render() {
        StringBuilder sb = new StringBuilder("live blocks by size class:\n");
        TextTable t = new TextTable().row("block size", "live blocks", "live bytes", "pages", "committed", "samples");
        for (Row r : rows) {
            StringBuilder samples = new StringBuilder();
            for (long a : r.samples()) {
                samples.append(samples.isEmpty() ? "" : " ").append("0x").append(Long.toHexString(a));
            }
            t.row(HumanUnits.bytes(r.blockSize()), HumanUnits.count(r.liveBlocks()), HumanUnits.bytes(r.liveBytes()),
                    Long.toString(r.pages()), HumanUnits.bytes(r.committed()), samples.toString());
        }
        t.row("total", HumanUnits.count(liveBlocks), HumanUnits.bytes(liveBytes), Long.toString(pages),
                HumanUnits.bytes(committed), "");
        t.appendTo(sb, "  ");
        if (!sites.isEmpty()) {
            sb.append(sites.render("live blocks by allocation site", Integer.MAX_VALUE)).append('\n');
        }
        return sb.toString();
    }

    private static final class Builder {
        private final int samplesPerClass;
        private final TreeMap<Long, long[]> sizes = new TreeMap<>(); // pages, live, committed, reserved
        private final TreeMap<Long, List<Long>> samples = new TreeMap<>();
        LeakReport sites = LeakReport.off();

        Builder(int samplesPerClass) {
            this.samplesPerClass = samplesPerClass;
        }

        void area(HeapArea a) {
            long[] s = sizes.computeIfAbsent(a.blockSize(), k -> new long[4]);
            s[0]++;
            s[1] += a.used();
            s[2] += a.committed();
            s[3] += a.reserved();
        }

        void sample(long blockSize, long block) {
            List<Long> l = samples.computeIfAbsent(blockSize, k -> new ArrayList<>());
            if (l.size() < samplesPerClass) {
                l.add(block);
            }
        }

        HeapReport build() {
            List<Row> rows = new ArrayList<>();
            long pages = 0;
            long blocks = 0;
            long bytes = 0;
            long committed = 0;
            for (var e : sizes.entrySet()) {
                long[] s = e.getValue();
                pages += s[0];
                committed += s[2];
                if (s[1] == 0) {
                    continue;
                }
                long bs = e.getKey();
                rows.add(new Row(bs, s[0], s[1], s[1] * bs, s[2], s[3], List.copyOf(samples.getOrDefault(bs, List.of()))));
                blocks += s[1];
                bytes += s[1] * bs;
            }
            rows.sort(Comparator.comparingLong(Row::liveBytes).reversed().thenComparingLong(Row::blockSize));
            return new HeapReport(List.copyOf(rows), pages, blocks, bytes, committed, sites);
        }
    }
}
