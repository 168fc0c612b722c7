package dev.nalloc.api;

import dev.nalloc.spi.OsPrimitives;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of an allocator's statistics (mimalloc's {@code mi_stats_t}). The five figures of the
 * contract are methods; the rest are named {@link #counts() counts} (current, peak, total allocated
 * and total freed, like {@code mi_stat_count_t}), named event {@link #counters() counters}, the
 * {@link #bins() size classes} and the {@link #process() process}. The names are stable and listed in
 * docs/statistics.md; the {@code allocator-stats} module renders and exports them.
 */
public interface AllocatorStats {

    /** {@return bytes of virtual address space reserved from the OS} */
    long reserved();

    /**
     * {@return bytes in use} Memory the allocator made usable (slices handed to pages, huge blocks) and has
     * not purged since, including freed memory waiting for its purge delay. Memory committed up front
     * and never handed out (an arena committed eagerly) is not in it; see {@link #osCommitted()}.
     * This is the figure to alert on: after {@code collect(true)} it follows the process's resident
     * memory within a few MiB.
     */
    long committed();

    /**
     * {@return bytes the OS was asked to commit and still holds committed} That is the commit charge where the OS
     * keeps one (Windows; Linux without overcommit). On Linux with overcommit an eagerly committed
     * arena counts here in full while costing nothing until touched. The default is {@link #committed()}.
     */
    default long osCommitted() {
        return committed();
    }

    /**
     * {@return an estimate of the allocator's memory resident in physical memory now, or {@code -1}
     * when the OS layer cannot tell} On Linux it comes from {@code mincore} over the memory it has
     * touched.
     * Computed when first asked (a system call per 256 MiB looked at), not when the snapshot is taken.
     */
    default long resident() {
        return -1;
    }

    /** {@return bytes in live blocks (usable sizes)} */
    long allocated();

    /**
     * {@return the peak of {@link #allocated()} since the start or {@link Allocator#resetPeaks()}}
     * Tracked at the allocator's slow-path events (not only sampled by snapshots): exact in the common
     * growth and release patterns, otherwise within the precision docs/statistics.md gives.
     */
    long allocatedPeak();

    /** {@return live blocks} */
    long allocationCount();

    /** {@return the snapshot as a JSON object (schema documented in docs/statistics.md)} */
    String toJson();

    /** {@return the name of the allocator instance the snapshot is of (option {@code name} or builder, else generated)} */
    default String name() {
        return "nalloc";
    }

    /**
     * Named counts, in a stable order (for example {@code reserved}, {@code committed},
     * {@code segments}, {@code pages}, {@code threads}); empty when the implementation keeps none.
     *
     * @return the counts by name
     */
    default Map<String, Count> counts() {
        return Map.of();
    }

    /**
     * Named event counters, in a stable order (for example {@code mmap_calls},
     * {@code generic_calls}); empty when the implementation keeps none.
     *
     * @return the counters by name
     */
    default Map<String, Long> counters() {
        return Map.of();
    }

    /** {@return the size classes that ever held a block, smallest first; empty when not kept} */
    default List<Bin> bins() {
        return List.of();
    }

    /** {@return the process at the time of the snapshot (times, memory, page faults), or null when unknown} */
    default OsPrimitives.ProcessInfo process() {
        return null;
    }

    /**
     * A count that goes up and down (mimalloc's {@code mi_stat_count_t}).
     *
     * @param current   the value now
     * @param peak      the highest value
     * @param allocated the sum of all increases
     * @param freed     the sum of all decreases
     */
    record Count(long current, long peak, long allocated, long freed) {

        /** Nothing counted. */
        public static final Count ZERO = new Count(0, 0, 0, 0);

        /**
         * {@return a count of which only the current value and its peak are known}
         *
         * @param current the value now
         * @param peak    the highest value (raised to {@code current} when lower)
         */
        public static Count of(long current, long peak) {
            return new Count(current, Math.max(current, peak), 0, 0);
        }
    }

    /**
     * The blocks of one size class (mimalloc's {@code normal_bins[bin]}). Block counts; bytes are
     * counts times {@code blockSize}.
     *
     * @param bin       the size-class index
     * @param blockSize bytes per block
     * @param blocks    live blocks now, their peak, and blocks allocated and freed in total
     * @param pages     pages of this class now
     */
    record Bin(int bin, long blockSize, Count blocks, long pages) {

        /** {@return bytes of live blocks} */
        public long bytes() {
            return blocks.current() * blockSize;
        }
    }
}
