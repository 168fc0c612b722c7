package dev.nalloc.core.arena;

import dev.nalloc.core.os.Numa;
import dev.nalloc.core.os.OsMemory;
import dev.nalloc.core.os.Verbose;
import dev.nalloc.spi.OsPrimitives;

/**
 * What an instance sets up with the OS when it starts (mimalloc's {@code mi_process_init} and
 * {@code mi_option_init} effects): transparent huge pages off when {@code allow_thp} is off, huge
 * (1 GiB) OS pages reserved as arenas ({@code reserve_huge_os_pages}, {@code
 * reserve_huge_os_pages_at}, spread over the NUMA nodes), and an arena of {@code reserve_os_memory}
 * bytes. Each step that the machine cannot do is skipped with a verbose message saying so.
 */
public final class StartupMemory {

    /** The size of a huge OS page. */
    static final long HUGE_PAGE = 1L << 30;
    /** The reservation of huge pages stops after this many milliseconds per page (as mimalloc). */
    static final long MILLIS_PER_HUGE_PAGE = 500;
    /** At most this many huge pages are reserved (mimalloc's clamp). */
    static final long MAX_HUGE_PAGES = 128 * 1024;

    private final OsMemory os;
    private final Arenas arenas;
    private final Numa numa;
    private final Verbose verbose;

    public StartupMemory(OsMemory os, Arenas arenas, Numa numa, Verbose verbose) {
        this.os = os;
        this.arenas = arenas;
        this.numa = numa;
        this.verbose = verbose;
    }

    /** Option {@code allow_thp}: off turns transparent huge pages off for the process. */
    public void transparentHugePages(boolean allow) {
        if (allow) {
            return;
        }
        OsPrimitives p = os.primitives();
        int error = p.setTransparentHugePages(false);
        if (error != 0) {
            verbose.message("nalloc: could not turn transparent huge pages off (allow_thp=0): "
                    + p.describeError(error) + "; they stay as the system configures them");
        } else {
            verbose.message("nalloc: transparent huge pages are off for this process (allow_thp=0)");
        }
    }

    /** Option {@code allow_large_os_pages}: says whether the OS has large pages to give. */
    public void largeOsPages(boolean allow) {
        if (!allow) {
            return;
        }
        long large = os.primitives().memoryConfig().largePageSize();
        if (large <= 0) {
            verbose.message("nalloc: large OS pages requested (allow_large_os_pages) but the OS has none; "
                    + "arenas use regular pages");
        } else {
            verbose.message("nalloc: arenas use large OS pages of " + (large >> 10) + " KiB where the OS can give them");
        }
    }

    /** Option {@code use_numa_nodes}: says which nodes are in use. */
    public void numaNodes() {
        int machine = Math.max(1, os.primitives().numaNodeCount());
        if (numa.enabled()) {
            verbose.message("nalloc: NUMA: using " + numa.nodes() + " of " + machine
                    + " nodes; arenas on the thread's node are preferred");
        } else if (machine == 1) {
            verbose.status("nalloc: NUMA: the machine has one node; arena choice ignores nodes");
        } else {
            verbose.message("nalloc: NUMA: limited to one node; arena choice ignores nodes");
        }
    }

    /**
     * Reserves {@code pages} huge OS pages, all on {@code atNode} or (when it is -1) spread evenly
     * over the NUMA nodes in use, stopping after {@link #MILLIS_PER_HUGE_PAGE} ms per page (option
     * {@code reserve_huge_os_pages} at start).
     *
     * @return pages reserved
     */
    public long reserveHugeOsPages(long pages, long atNode) {
        long clamped = Math.min(Math.max(0, pages), MAX_HUGE_PAGES);
        long timeoutNanos = clamped * MILLIS_PER_HUGE_PAGE * 1_000_000L;
        return atNode >= 0 ? reserveHugeOsPagesAt(clamped, (int) atNode, timeoutNanos)
                : reserveHugeOsPagesInterleave(clamped, 0, timeoutNanos);
    }

    /**
     * Reserves {@code pages} huge OS pages on {@code node} (-1: no preference), each an arena
     * (mimalloc's {@code mi_reserve_huge_os_pages_at}), until the OS refuses one or
     * {@code timeoutNanos} have passed (after at least one page).
     *
     * @return pages reserved
     */
    public long reserveHugeOsPagesAt(long pages, int node, long timeoutNanos) {
        pages = Math.min(pages, MAX_HUGE_PAGES);
        if (pages <= 0) {
            return 0;
        }
        long reserved = reserveOnNode(pages, node, os.now() + timeoutNanos);
        if (reserved == pages) {
            verbose.message("nalloc: reserved " + reserved + " huge OS pages (1 GiB each)");
        }
        return reserved;
    }

    /**
     * Reserves {@code pages} huge OS pages spread evenly over the first {@code numaNodes} NUMA nodes
     * in use (0, or more than are in use: all of them), each an arena (mimalloc's
     * {@code mi_reserve_huge_os_pages_interleave}), within {@code timeoutNanos} in all.
     *
     * @return pages reserved
     */
    public long reserveHugeOsPagesInterleave(long pages, int numaNodes, long timeoutNanos) {
        pages = Math.min(pages, MAX_HUGE_PAGES);
        if (pages <= 0) {
            return 0;
        }
        int nodes = numaNodes <= 0 ? numa.nodes() : Math.min(numaNodes, numa.nodes());
        long deadline = os.now() + timeoutNanos;
        long reserved = 0;
        for (int node = 0; node < nodes; node++) {
            long share = pages / nodes + (node < pages % nodes ? 1 : 0);
            reserved += reserveOnNode(share, nodes > 1 ? node : -1, deadline);
        }
        if (reserved == pages) {
            verbose.message("nalloc: reserved " + reserved + " huge OS pages (1 GiB each)");
        }
        return reserved;
    }

    private synchronized long reserveOnNode(long pages, int node, long deadline) {
        OsPrimitives p = os.primitives();
        long done = 0;
        while (done < pages) {
            if (done > 0 && os.now() - deadline >= 0) {
                verbose.message("nalloc: reserved " + done + " of " + pages + " huge OS pages"
                        + (node >= 0 ? " on NUMA node " + node : "") + " before the timeout; using regular pages for the rest");
                return done;
            }
            OsPrimitives.Allocation a = p.allocHugeOsPages(0, HUGE_PAGE, node);
            if (!a.ok()) {
                verbose.message("nalloc: could not reserve huge OS pages" + (node >= 0 ? " on NUMA node " + node : "")
                        + " (" + done + " of " + pages + " reserved): " + p.describeError(a.error())
                        + "; using regular pages instead");
                return done;
            }
            os.adopt(a.size(), a.size());
            MemoryArena arena = arenas.adopt(a.address(), a.size(), true, a.zero(), false, node, true, false);
            if (arena == null) {
                os.release(a.address(), a.size(), a.size());
                verbose.message("nalloc: no arena slot left for more huge OS pages (" + done + " of " + pages + " reserved)");
                return done;
            }
            done++;
        }
        return done;
    }

    /** Option {@code reserve_os_memory}: an arena of that many bytes now. */
    public void reserveOsMemory(long size) {
        if (size <= 0) {
            return;
        }
        if (arenas.reserve(size, arenas.eagerCommit(), false) == null) {
            verbose.message("nalloc: could not reserve " + size + " bytes of OS memory at start (reserve_os_memory); "
                    + "arenas are reserved on demand");
        }
    }
}
