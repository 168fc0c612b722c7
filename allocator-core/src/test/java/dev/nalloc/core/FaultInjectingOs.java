package dev.nalloc.core;

import dev.nalloc.spi.ForwardingOsPrimitives;
import dev.nalloc.spi.OsPrimitives;

import java.util.BitSet;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real OS layer with failures injected into any of its memory calls, and the OS side's books:
 * every reservation with, page by page, whether it is committed and whether it is protected, as
 * the strictest OS would have it (a decommit takes the memory away until the next commit, as on
 * Windows). So a test can ask, without touching it, whether the engine handed out memory that is
 * usable ({@link #usable}), and check that everything reserved was freed ({@link #reservedBytes}).
 *
 * <p>A fault schedule ({@link #inject}) makes every k-th call of some operations fail, or each at
 * random with a probability: by an error code, by throwing (as a buggy layer would), or by
 * throwing after the real call was made (the effect happened, but the engine cannot know).
 */
public final class FaultInjectingOs extends ForwardingOsPrimitives {

    /** The memory operations faults can be injected into. */
    public enum Op { RESERVE, FREE, COMMIT, DECOMMIT, RESET, REUSE, PROTECT, UNPROTECT, DISCARD }

    /** How an injected fault shows. */
    public enum Style {
        /** An error code; the real call is not made. */
        ERROR,
        /** A RuntimeException; the real call is not made. */
        THROW,
        /** A RuntimeException after the real call was made (never for reservations: the layer would leak them). */
        THROW_AFTER
    }

    /** Thrown by injected faults. */
    static final class InjectedFault extends RuntimeException {
        InjectedFault(Op op) {
            super("injected fault in " + op);
        }
    }

    /**
     * A schedule: every {@code every}-th call of {@code ops} fails (counted over those operations
     * together), or each with probability {@code probability} (when {@code every} is 0).
     */
    public record Schedule(Set<Op> ops, int every, double probability, long seed, Style style) {
        public static Schedule everyKth(Set<Op> ops, int k, Style style) {
            return new Schedule(ops, k, 0, 0, style);
        }

        public static Schedule random(Set<Op> ops, double probability, long seed, Style style) {
            return new Schedule(ops, 0, probability, seed, style);
        }

        @Override
        public String toString() {
            return (ops.size() == Op.values().length ? "ALL" : ops.toString()) + " "
                    + (every > 0 ? "every " + every : "p=" + probability + " seed " + seed) + " " + style;
        }
    }

    private static final int EFAULT = 14;

    private final long page;
    private final TreeMap<Long, Region> regions = new TreeMap<>();
    private volatile Schedule schedule;
    private SplittableRandom random;
    private final AtomicLong eligibleCalls = new AtomicLong();
    private final AtomicLong injected = new AtomicLong();
    private final AtomicLong[] calls = new AtomicLong[Op.values().length];
    /** Ranges the engine asked to free that this layer never handed out, or sizes that did not match. */
    private final AtomicLong badFrees = new AtomicLong();

    /** One reservation: its pages' commit and protection state. */
    private static final class Region {
        final long size;
        final BitSet committed = new BitSet();
        final BitSet protectedPages = new BitSet();

        Region(long size) {
            this.size = size;
        }
    }

    public FaultInjectingOs() {
        super(OsPrimitives.best());
        this.page = delegate().memoryConfig().pageSize();
        for (int i = 0; i < calls.length; i++) {
            calls[i] = new AtomicLong();
        }
    }

    @Override
    public String name() {
        return "fault-injecting-" + delegate().name();
    }

    @Override
    public int priority() {
        return -1;
    }

    // ------------------------------------------------------------------ control and books

    /** Starts injecting faults on this schedule (null: none). */
    public synchronized void inject(Schedule s) {
        eligibleCalls.set(0);
        random = s == null ? null : new SplittableRandom(s.seed());
        schedule = s;
    }

    /** Faults injected so far. */
    public long injected() {
        return injected.get();
    }

    /** Faults injected so far into {@code op}. */
    public long injected(Op op) {
        return injectedByOp[op.ordinal()].get();
    }

    private final AtomicLong[] injectedByOp = new AtomicLong[Op.values().length];
    {
        for (int i = 0; i < injectedByOp.length; i++) {
            injectedByOp[i] = new AtomicLong();
        }
    }

    public long calls(Op op) {
        return calls[op.ordinal()].get();
    }

    public long badFrees() {
        return badFrees.get();
    }

    /** Bytes reserved and not freed, apart from {@link #lostBytes}. */
    public synchronized long reservedBytes() {
        return regions.values().stream().mapToLong(r -> r.size).sum();
    }

    /**
     * Bytes of reservations whose free threw before freeing: the engine cannot tell them from
     * frees that threw after freeing, and never touches such a range again (freeing it twice could
     * unmap what another mapping placed there since). What the layer's own bug leaked.
     */
    public synchronized long lostBytes() {
        return lost.values().stream().mapToLong(r -> r.size).sum();
    }

    private final TreeMap<Long, Region> lost = new TreeMap<>();

    /** Bytes committed in reserved memory (as this strict model counts them). */
    public synchronized long committedBytes() {
        return regions.values().stream().mapToLong(r -> r.committed.cardinality() * page).sum();
    }

    /**
     * Whether every page of {@code [address, address + size)} is reserved, committed and not
     * protected: memory a program may use. Null when it is, else what is wrong with it.
     */
    public synchronized String usable(long address, long size) {
        long end = address + Math.max(1, size);
        for (long p = address & -page; p < end; p += page) {
            Map.Entry<Long, Region> e = regions.floorEntry(p);
            if (e == null || p >= e.getKey() + e.getValue().size) {
                return "0x" + Long.toHexString(p) + " is not reserved";
            }
            int i = (int) ((p - e.getKey()) / page);
            if (!e.getValue().committed.get(i)) {
                return "0x" + Long.toHexString(p) + " is not committed";
            }
            if (e.getValue().protectedPages.get(i)) {
                return "0x" + Long.toHexString(p) + " is protected";
            }
        }
        return null;
    }

    private synchronized void mark(long address, long size, boolean commit, Boolean protect) {
        long end = address + size;
        for (long p = address; p < end; ) {
            Map.Entry<Long, Region> e = regions.floorEntry(p);
            if (e == null || p >= e.getKey() + e.getValue().size) {
                p += page; // outside our books: the real call decided
                continue;
            }
            Region r = e.getValue();
            int from = (int) ((p - e.getKey()) / page);
            long regionEnd = Math.min(end, e.getKey() + r.size);
            int to = (int) ((regionEnd - e.getKey() + page - 1) / page);
            if (protect == null) {
                r.committed.set(from, to, commit);
            } else {
                r.protectedPages.set(from, to, protect);
            }
            p = regionEnd;
        }
    }

    // ------------------------------------------------------------------ injection

    /** Whether this call of {@code op} fails; counts it. */
    private Style fault(Op op) {
        calls[op.ordinal()].incrementAndGet();
        Schedule s = schedule;
        if (s == null || !s.ops().contains(op)) {
            return null;
        }
        boolean fail;
        if (s.every() > 0) {
            fail = eligibleCalls.incrementAndGet() % s.every() == 0;
        } else {
            synchronized (this) {
                fail = random != null && random.nextDouble() < s.probability();
            }
        }
        if (!fail) {
            return null;
        }
        injected.incrementAndGet();
        injectedByOp[op.ordinal()].incrementAndGet();
        Style style = s.style();
        return style == Style.THROW_AFTER && op == Op.RESERVE ? Style.THROW : style;
    }

    // ------------------------------------------------------------------ the calls

    @Override
    public Allocation alloc(long hint, long size, long align, boolean commit, boolean large) {
        return record(fault(Op.RESERVE), () -> delegate().alloc(hint, size, align, commit, false), commit);
    }

    @Override
    public Allocation allocAligned(long size, long alignment, boolean commit, boolean large) {
        return record(fault(Op.RESERVE), () -> delegate().allocAligned(size, alignment, commit, false), commit);
    }

    @Override
    public Allocation allocHugeOsPages(long hintAddress, long size, int numaNode) {
        return Allocation.failed(12); // none here
    }

    private Allocation record(Style f, java.util.function.Supplier<Allocation> call, boolean commit) {
        if (f == Style.ERROR) {
            return Allocation.failed(12);
        }
        if (f != null) {
            throw new InjectedFault(Op.RESERVE);
        }
        Allocation a = call.get();
        if (a.ok()) {
            synchronized (this) {
                Region r = new Region(a.size());
                if (commit || a.large()) {
                    r.committed.set(0, (int) (a.size() / page));
                }
                regions.put(a.address(), r);
            }
        }
        return a;
    }

    @Override
    public int free(long address, long size) {
        Style f = fault(Op.FREE);
        if (f == Style.ERROR) {
            return EFAULT;
        }
        if (f == Style.THROW) {
            synchronized (this) {
                Region r = regions.remove(address);
                if (r != null) {
                    lost.put(address, r); // still mapped, never freed: see lostBytes
                }
            }
            throw new InjectedFault(Op.FREE);
        }
        int error = delegate().free(address, size);
        if (error == 0) {
            synchronized (this) {
                Region r = regions.remove(address);
                if (r == null || r.size != size) {
                    badFrees.incrementAndGet();
                }
            }
        }
        if (f == Style.THROW_AFTER) {
            throw new InjectedFault(Op.FREE);
        }
        return error;
    }

    @Override
    public CommitResult commit(long address, long size) {
        Style f = fault(Op.COMMIT);
        if (f == Style.ERROR) {
            return new CommitResult(12, false);
        }
        if (f == Style.THROW) {
            throw new InjectedFault(Op.COMMIT);
        }
        CommitResult r = delegate().commit(address, size);
        if (r.ok()) {
            mark(address, size, true, null);
        }
        if (f == Style.THROW_AFTER) {
            throw new InjectedFault(Op.COMMIT);
        }
        return r;
    }

    @Override
    public DecommitResult decommit(long address, long size) {
        Style f = fault(Op.DECOMMIT);
        if (f == Style.ERROR) {
            return new DecommitResult(EFAULT, true);
        }
        if (f == Style.THROW) {
            throw new InjectedFault(Op.DECOMMIT);
        }
        DecommitResult r = delegate().decommit(address, size);
        if (r.ok()) {
            mark(address, size, false, null);
        }
        if (f == Style.THROW_AFTER) {
            throw new InjectedFault(Op.DECOMMIT);
        }
        return r;
    }

    @Override
    public int reset(long address, long size) {
        return simple(Op.RESET, () -> delegate().reset(address, size));
    }

    @Override
    public int reuse(long address, long size) {
        return simple(Op.REUSE, () -> delegate().reuse(address, size));
    }

    @Override
    public int discard(long address, long size) {
        return simple(Op.DISCARD, () -> delegate().discard(address, size));
    }

    private int simple(Op op, java.util.function.IntSupplier call) {
        Style f = fault(op);
        if (f == Style.ERROR) {
            return EFAULT;
        }
        if (f == Style.THROW) {
            throw new InjectedFault(op);
        }
        int error = call.getAsInt();
        if (f == Style.THROW_AFTER) {
            throw new InjectedFault(op);
        }
        return error;
    }

    @Override
    public int protect(long address, long size, boolean protect) {
        Op op = protect ? Op.PROTECT : Op.UNPROTECT;
        Style f = fault(op);
        if (f == Style.ERROR) {
            return EFAULT;
        }
        if (f == Style.THROW) {
            throw new InjectedFault(op);
        }
        int error = delegate().protect(address, size, protect);
        if (error == 0) {
            mark(address, size, false, protect);
        }
        if (f == Style.THROW_AFTER) {
            throw new InjectedFault(op);
        }
        return error;
    }

    @Override
    public String describeError(int error) {
        return error == EFAULT ? "injected failure" : delegate().describeError(error);
    }

    public static Set<Op> all() {
        return EnumSet.allOf(Op.class);
    }
}
