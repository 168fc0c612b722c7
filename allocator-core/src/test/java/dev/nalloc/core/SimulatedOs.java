package dev.nalloc.core;

import dev.nalloc.spi.ForwardingOsPrimitives;
import dev.nalloc.spi.OsPrimitives;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real OS layer with what this machine lacks simulated on top, and a clock tests control:
 * huge (1 GiB) OS pages (backed by ordinary committed mappings, reported as huge), large OS pages,
 * NUMA nodes, switchable overcommit and THP results. Records the purge calls (decommit, reset) and
 * the commit flag of every reservation.
 */
public final class SimulatedOs extends ForwardingOsPrimitives {

    public static final int ENOMEM = 12;
    public static final int EPERM = 1;

    /** Nanoseconds of the simulated clock (starts away from 0: 0 means "no deadline" to the engine). */
    public final AtomicLong clock = new AtomicLong(1_000_000_000L);
    /** Huge OS pages left to hand out. */
    public final AtomicInteger hugePagesAvailable = new AtomicInteger();
    /** Milliseconds each huge page reservation takes (advances the clock). */
    public volatile long hugePageMillis;
    public volatile int numaNodes = 1;
    public volatile int currentNode;
    public volatile boolean overcommit = true;
    /** Large OS page size claimed (0: none); reservations allowing large pages come back large. */
    public volatile long largePageSize;
    /** Commits claim the memory reads as zero (as Windows' MEM_COMMIT does for anonymous memory). */
    public volatile boolean commitClaimsZero;
    /** Every reservation fails with ENOMEM while set. */
    public volatile boolean failReservations;
    /** The error {@link #setTransparentHugePages} returns. */
    public volatile int thpError;

    public final List<Boolean> thpCalls = new CopyOnWriteArrayList<>();
    public final List<long[]> decommits = new CopyOnWriteArrayList<>();
    public final List<long[]> resets = new CopyOnWriteArrayList<>();
    public final List<long[]> reuses = new CopyOnWriteArrayList<>();
    public final List<Boolean> reserveCommits = new CopyOnWriteArrayList<>();
    public final List<Integer> hugePageNodes = new CopyOnWriteArrayList<>();

    public SimulatedOs() {
        super(OsPrimitives.best());
    }

    public void advanceMillis(long ms) {
        clock.addAndGet(ms * 1_000_000L);
    }

    @Override
    public String name() {
        return "simulated-" + delegate().name();
    }

    @Override
    public int priority() {
        return -1;
    }

    @Override
    public MemoryConfig memoryConfig() {
        MemoryConfig c = delegate().memoryConfig();
        return new MemoryConfig(c.pageSize(), largePageSize, c.allocGranularity(), c.physicalMemory(),
                c.virtualAddressBits(), overcommit, c.hasPartialFree(), c.hasVirtualReserve());
    }

    @Override
    public Allocation alloc(long hint, long size, long align, boolean commit, boolean allowLarge) {
        reserveCommits.add(commit);
        if (failReservations) {
            return Allocation.failed(ENOMEM);
        }
        boolean large = allowLarge && largePageSize > 0;
        Allocation a = delegate().alloc(hint, size, align, commit || large, false);
        return large && a.ok() ? new Allocation(a.address(), a.size(), true, a.zero(), 0) : a;
    }

    @Override
    public Allocation allocAligned(long size, long alignment, boolean commit, boolean allowLarge) {
        reserveCommits.add(commit);
        if (failReservations) {
            return Allocation.failed(ENOMEM);
        }
        boolean large = allowLarge && largePageSize > 0;
        Allocation a = delegate().allocAligned(size, alignment, commit || large, false);
        return large && a.ok() ? new Allocation(a.address(), a.size(), true, a.zero(), 0) : a;
    }

    /** When set, a decommit of {@link #gateSize} bytes counts {@link #gateEntered} down and waits for it. */
    public volatile java.util.concurrent.CountDownLatch gate;
    public volatile java.util.concurrent.CountDownLatch gateEntered;
    public volatile long gateSize;

    @Override
    public DecommitResult decommit(long address, long size) {
        java.util.concurrent.CountDownLatch g = gate;
        if (g != null && size == gateSize) {
            gateEntered.countDown();
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        decommits.add(new long[]{address, size});
        return delegate().decommit(address, size);
    }

    @Override
    public CommitResult commit(long address, long size) {
        CommitResult r = delegate().commit(address, size);
        return r.ok() && commitClaimsZero ? new CommitResult(0, true) : r;
    }

    @Override
    public int reset(long address, long size) {
        resets.add(new long[]{address, size});
        return delegate().reset(address, size);
    }

    @Override
    public int reuse(long address, long size) {
        reuses.add(new long[]{address, size});
        return delegate().reuse(address, size);
    }

    @Override
    public int setTransparentHugePages(boolean enable) {
        thpCalls.add(enable);
        return thpError;
    }

    @Override
    public Allocation allocHugeOsPages(long hintAddress, long size, int numaNode) {
        advanceMillis(hugePageMillis);
        if (hugePagesAvailable.getAndUpdate(n -> Math.max(0, n - 1)) <= 0) {
            return Allocation.failed(ENOMEM);
        }
        hugePageNodes.add(numaNode);
        Allocation a = delegate().allocAligned(size, 1L << 30, true, false);
        return a.ok() ? new Allocation(a.address(), a.size(), true, true, 0) : a;
    }

    @Override
    public int numaNodeCount() {
        return numaNodes;
    }

    @Override
    public int currentNumaNode() {
        return currentNode;
    }

    @Override
    public long clockNanos() {
        return clock.get();
    }

    /** Bytes decommitted inside {@code [address, address + size)}. */
    public long decommittedIn(long address, long size) {
        return bytesIn(decommits, address, size);
    }

    public long resetIn(long address, long size) {
        return bytesIn(resets, address, size);
    }

    public long reusedIn(long address, long size) {
        return bytesIn(reuses, address, size);
    }

    public long decommittedBytes() {
        return decommits.stream().mapToLong(r -> r[1]).sum();
    }

    public long resetBytes() {
        return resets.stream().mapToLong(r -> r[1]).sum();
    }

    private static long bytesIn(List<long[]> calls, long address, long size) {
        long sum = 0;
        for (long[] r : calls) {
            long from = Math.max(r[0], address);
            long to = Math.min(r[0] + r[1], address + size);
            if (to > from) {
                sum += to - from;
            }
        }
        return sum;
    }
}
