package dev.nalloc.core.heap;

import dev.nalloc.core.segment.Segment;
import dev.nalloc.spi.HeapSelectionPolicy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * How a thread finds its heap in one allocator instance: the same lookup for FAST, CHECKED and
 * SECURE, for platform and virtual threads.
 *
 * <h2>The table</h2>
 * {@link #table} maps a thread id to a {@link HeapSlot}: entry {@code id & (length - 1)}. A call
 * reads the entry and compares its owner with {@link Thread#currentThread()}; on a match the heap is
 * the thread's to use with plain loads and stores, no atomic instruction. Anything else (an empty
 * entry, another thread's, a closed instance) is the slow path {@link #acquire}, which finds or
 * makes the thread's slot and enters it in the table. Entries are only ever replaced by slots of
 * other threads, so a stale read makes a call take the slow path, never use another thread's heap.
 * The table grows (to at most {@value #MAX_TABLE} entries) to keep at most a quarter of it taken by
 * threads' own slots, so threads whose ids collide are rare; a thread that still collides with a
 * live thread finds its slot through a {@code ThreadLocal} on every call (correct, slower).
 *
 * <h2>Threads with a heap of their own</h2>
 * Platform threads by default ({@link HeapSelectionPolicy#ownsHeap}): on first use a thread gets
 * thread data and a default heap (mimalloc's model), held in a {@code ThreadLocal} and entered in
 * the table as an own slot. When the data is retired ({@code threadDone}, or the thread found
 * dead), the slot's owner becomes null and the entry free for another thread.
 *
 * <h2>Threads that share heaps: leases</h2>
 * Virtual threads by default. They share a set of heaps ({@link #leases}); a thread takes one over
 * and keeps it, call after call, until another thread takes it over: a <em>lease</em>. Taking one
 * over is the only atomic operation; mallocs and frees of the lease holder are as local as a
 * platform thread's own, and so are frees of blocks of the leased heap by its holder.
 *
 * <p>A lease is taken over with a compare-and-set on its {@link HeapSlot#owner}: from null, or from
 * a thread that is <em>idle</em>: {@link Thread#getState()} says it waits, is blocked or has ended
 * (never while it runs or is runnable), and it is not inside a slow path ({@link HeapSlot#busy} is
 * 0). Why that is safe without any atomic instruction on the holder's side:
 * <ol>
 * <li>A holder reads its slot's owner (a volatile read) at the start of every call, and a call
 * never waits or blocks on the fast paths; the slow paths count themselves in {@code busy}, so a
 * holder that blocks inside one (a contended monitor unmounts a virtual thread) is not idle.</li>
 * <li>The taker first swaps the owner to a marker ({@code CLAIMING}: no call of anyone uses the
 * heap while it is there), then reads the old holder's state and {@code busy}. If the holder is
 * idle, it entered that state after its last call ended; its state change is a volatile write the
 * taker's volatile read sees, so every write of that call happens-before the taker's use of the
 * heap. Else the taker puts the old owner back.</li>
 * <li>The holder's next call starts after it leaves the idle state (for a virtual thread: the
 * scheduler's compare-and-set to running, then the mount), which follows the taker's swap in the
 * synchronization order; its volatile read of the owner then sees the taker (or the marker) and it
 * takes the slow path.</li>
 * </ol>
 * A holder that has ended is taken over with a single compare-and-set from it to the taker
 * ({@code takeFromEnded}): it never runs again, and its end happens-before the {@code isAlive()}
 * that saw it, so neither the marker nor the second look is needed.
 * A thread that comes to the slow path while it holds a lease (its fast entry was evicted, or
 * collides) takes the lease last taken on its carrier first if it can, before it looks for the one
 * it holds: it may then hold two until it is idle, when the other one can be taken over (the
 * check first would read the owner of every lease, lines the other carriers write, on every
 * task's first call). Its calls use the lease its entries name; frees of the other's blocks go
 * the remote way, which is right for any page.
 * A virtual thread that runs a task without blocking keeps its lease for the whole task. Leases
 * whose holders stay runnable cannot be taken over; when every lease is held that way, another one
 * is added (up to {@link HeapSelectionPolicy#maxSharedHeapCount()}), and beyond that a caller
 * yields until one comes free. Memory stays bounded by the number of leases, not of virtual threads.
 */
public final class ThreadHeaps {

    static final int INITIAL_TABLE = 64;
    static final int MAX_TABLE = 1 << 16;
    /** The most shared heaps whatever the policy says. */
    static final int MAX_LEASES = 4096;
    /** A thread whose id collides with a live thread's tries to enter the table again after this many slow calls. */
    private static final int RETRY_INSTALL = 1 << 10;

    /**
     * The owner of a lease while a thread takes it over: no call uses the heap, and nobody else may
     * take it. Never started, so it is never idle.
     */
    static final Thread CLAIMING = Thread.ofPlatform().name("nalloc-lease-claim").unstarted(() -> {
    });

    /**
     * The second level: slots by thread id, for leases, for own slots whose {@link FastSlots} entry
     * is taken, and for instances without a salt. Replaced whole when it grows or the instance closes
     * ({@link #setReleaseTable}); the fast paths read it plainly ({@link #getPlainTable}).
     */
    private HeapSlot[] table;
    /** This instance's salt in {@link FastSlots}, or {@link FastSlots#NO_SALT} when it has none ({@link #fast} false). */
    public final int salt;
    /** Whether own slots of this instance enter {@link FastSlots} (there was a free salt). */
    final boolean fast;
    /** The shared heaps' slots; replaced by a longer copy when one is added. */
    private volatile HeapSlot[] leases; // through getVolatileLeases / setVolatileLeases
    private final int maxLeases;
    private final HeapSelectionPolicy policy;
    private final ThreadLocal<LocalHeap> ownHeaps = new ThreadLocal<>();
    private final Function<Thread, LocalHeap> newOwnHeap;
    private final Supplier<ThreadData> newSharedData;
    /** Threads the policy gives no heap that asked for one ({@code heap()}, {@code newHeap()}, ...). */
    private volatile int explicitOwners; // through getVolatileExplicitOwners / setVolatileExplicitOwners
    private volatile boolean closed; // through getVolatileClosed / setVolatileClosed
    /** Own slots entered in the table (a count that is re-made when it grows). Guarded by this. */
    private int ownEntries;

    /**
     * @param policy        which threads own heaps
     * @param newOwnHeap    makes (and registers) the data and default heap of the given, calling, thread
     * @param newSharedData makes the data of a shared heap (it belongs to no thread)
     * @param osThreadId    the identity of the OS thread running the caller ({@code OsPrimitives.osThreadId}),
     *                      0 when unknown; read once per lease taken
     */
    public ThreadHeaps(HeapSelectionPolicy policy, Function<Thread, LocalHeap> newOwnHeap,
                       Supplier<ThreadData> newSharedData, LongSupplier osThreadId) {
        this.policy = policy;
        this.osThreadId = osThreadId;
        this.newOwnHeap = newOwnHeap;
        this.newSharedData = newSharedData;
        int count = policy.sharedHeapCount();
        if (count < 1) {
            throw new IllegalArgumentException("nalloc: at least one shared heap is needed, not " + count);
        }
        this.maxLeases = Math.max(count, Math.min(MAX_LEASES, policy.maxSharedHeapCount()));
        this.table = emptyTable(INITIAL_TABLE); // published with the instance (the allocator's final fields)
        int claimed = FastSlots.claimSalt();
        this.fast = claimed >= 0;
        this.salt = fast ? claimed : FastSlots.NO_SALT;
        HeapSlot[] ls = new HeapSlot[count];
        for (int i = 0; i < count; i++) {
            ls[i] = newLease();
        }
        setVolatileLeases(ls);
    }

    private static final int CARRIER_BITS = 6;

    /**
     * The lease last taken on each OS thread (hashed): the next virtual thread on the same carrier
     * tries it first, as mimalloc's heap belongs to the carrier thread. Its pages, blocks and
     * metadata are still in that core's caches; a lease from the other carrier would bring them
     * over. A hint only: {@link #take} decides, and a stale or shared entry costs one failed try.
     */
    private final HeapSlot[] lastOnCarrier = new HeapSlot[1 << CARRIER_BITS];
    private final LongSupplier osThreadId;

    private static HeapSlot[] emptyTable(int length) {
        HeapSlot[] tab = new HeapSlot[length];
        java.util.Arrays.fill(tab, HeapSlot.EMPTY);
        return tab;
    }

    private HeapSlot newLease() {
        ThreadData tld = newSharedData.get();
        HeapSlot s = new HeapSlot(null, LocalHeap.newDefault(tld), true, salt);
        tld.setSlot(s);
        return s;
    }

    /** The entry of thread {@code t} in {@code tab} (the fast paths' lookup; check its owner). */
    public static HeapSlot slotOf(HeapSlot[] tab, Thread t) {
        return tab[(int) t.threadId() & (tab.length - 1)];
    }

    // ================================================================== the calling thread's slot

    /**
     * The calling thread's slot, counted as busy: the slot of its own heap, or a lease. Every call
     * beyond the fast paths brackets its use of the heap with this and {@link HeapSlot#exit}.
     *
     * @throws IllegalStateException when the instance is closed (from {@code checkOpen})
     */
    public HeapSlot enter(Runnable checkOpen) {
        Thread t = Thread.currentThread();
        HeapSlot s = fastSlot(t);
        if (s == null) {
            s = slotOf(table, t);
            if (s.getPlainOwner() != t) { // as on the fast paths
                s = acquire(t, checkOpen);
            }
        }
        s.busy++;
        return s;
    }

    /** The calling thread's own slot if it is in {@link FastSlots}, else null. */
    private HeapSlot fastSlot(Thread t) {
        if (fast) {
            int i = FastSlots.index(t, salt);
            if (FastSlots.getPlainOwner(i) == t) {
                return FastSlots.slotAt(i);
            }
        }
        return null;
    }

    /** The calling thread's slot if it holds one now, else null (nothing is made or taken). */
    public HeapSlot held() {
        Thread t = Thread.currentThread();
        HeapSlot s = slotInTables(t);
        return s != null ? s : heldElsewhere(t);
    }

    /** The slot of {@code t} in {@link FastSlots} or in this instance's table, else null. */
    private HeapSlot slotInTables(Thread t) {
        HeapSlot s = fastSlot(t);
        if (s != null) {
            return s;
        }
        s = slotOf(table, t);
        return s.getVolatileOwner() == t ? s : null;
    }

    /** The rest of {@link #held}'s search: the own heap's slot or a lease (no table holds it). */
    private HeapSlot heldElsewhere(Thread t) {
        if (getVolatileClosed()) {
            return null;
        }
        LocalHeap own = ownHeapIfAny(t);
        if (own != null) {
            return own.tld.slot();
        }
        for (HeapSlot l : getVolatileLeases()) {
            if (l.getVolatileOwner() == t) {
                return l;
            }
        }
        return null;
    }

    /**
     * The caller's slot for a free into {@code seg}, as far as it can make that free local: the slot
     * in {@link FastSlots} or the table (its own or a lease), else, for a segment of the caller's own,
     * {@link #held}; else null without the full search. A thread without a slot (one that only frees)
     * so pays two table reads per free, not a {@code ThreadLocal} lookup and a walk of the leases. A
     * slot only the full search finds (its table entry taken by a colliding thread) is missed only
     * for segments not the caller's own: the free then goes the remote way, which is right for any
     * page (a leased heap's included), and is counted in the shared counters.
     */
    public HeapSlot heldForFree(Segment seg) {
        Thread t = Thread.currentThread();
        HeapSlot s = slotInTables(t);
        return s != null ? s : heldForOwnSegment(seg, t);
    }

    /**
     * {@link #heldForFree} for a thread that the free fast path's lookups just missed: it has no
     * entry in {@link FastSlots} or in the table (only a thread enters itself there, so its own
     * plain reads were exact), which leaves its own heap's slot or a lease, and only for a segment
     * of its own. A free-only thread's free makes no second lookup of the tables this way.
     */
    public HeapSlot heldForFreeUnlisted(Segment seg) {
        return heldForOwnSegment(seg, Thread.currentThread());
    }

    /** {@code t}'s own heap's slot or lease ({@link #heldElsewhere}), looked for only when {@code seg} is {@code t}'s own. */
    private HeapSlot heldForOwnSegment(Segment seg, Thread t) {
        return seg.ownerThread() == t ? heldElsewhere(t) : null;
    }

    /** The slow path of the lookup: the thread's own slot, or a lease; entered in the table. */
    private HeapSlot acquire(Thread t, Runnable checkOpen) {
        checkOpen.run();
        LocalHeap own = policy.ownsHeap(t) ? ownHeap() : ownHeapIfAny(t);
        if (own != null) {
            HeapSlot s = own.tld.slot();
            installOwn(s, t);
            return s;
        }
        return lease(t);
    }

    // ================================================================== atomic fields (the ordering in the name)

    /**
     * Publishes a new second-level table with a release store (a fence, then the plain field the
     * fast paths read): its entries are written before, so a reader never sees a null one.
     */
    private void setReleaseTable(HeapSlot[] tab) {
        java.lang.invoke.VarHandle.releaseFence();
        table = tab;
    }

    /**
     * The second-level table read plainly: the fast paths' lookup ({@code slotOf(getPlainTable(), t)}).
     * A stale table is a complete one (its entries were written before its release store), whose
     * entries name their owners: a thread that finds itself in one reads a slot it entered itself.
     */
    public HeapSlot[] getPlainTable() {
        return table;
    }

    /** The shared heaps' slots, read with volatile semantics (a longer copy replaces them when one is added). */
    private HeapSlot[] getVolatileLeases() {
        return leases;
    }

    /** Publishes the shared heaps' slots (volatile; the additions hold the lock). */
    private void setVolatileLeases(HeapSlot[] ls) {
        leases = ls;
    }

    /** Threads the policy gives no heap that asked for one, read with volatile semantics. */
    private int getVolatileExplicitOwners() {
        return explicitOwners;
    }

    /** Sets that count (volatile; written under the lock). */
    private void setVolatileExplicitOwners(int n) {
        explicitOwners = n;
    }

    /**
     * Whether the instance is closed, read with volatile semantics: read by {@link FastSlots#install}
     * after the compare-and-set that seizes an entry, and written by {@link #close} before its scan
     * of every entry, so either the closing scan finds a new entry or its thread finds the instance
     * closed (a Dekker pair of volatile accesses; no full fence on the entering side).
     */
    boolean getVolatileClosed() {
        return closed;
    }

    /** Marks the instance closed (a volatile write; {@link #close} fences after it). */
    private void setVolatileClosed() {
        closed = true;
    }

    // ================================================================== own heaps

    /** The calling thread's own default heap, made on first use whatever the policy says. */
    public LocalHeap ownHeap() {
        LocalHeap h = ownHeaps.get();
        if (h == null) {
            Thread t = Thread.currentThread();
            h = newOwnHeap.apply(t);
            ownHeaps.set(h);
            if (!policy.ownsHeap(t)) {
                synchronized (this) {
                    setVolatileExplicitOwners(getVolatileExplicitOwners() + 1); // under the lock: no lost update
                }
                leaveLease(t); // its calls use its own data from now on, not the lease its fast entry names
            }
        }
        return h;
    }

    /**
     * The calling thread's own default heap if it has one. Threads the policy gives no heap are
     * asked only when some such thread asked for one (a {@code ThreadLocal} read makes a map for a
     * thread that has none: garbage for every virtual thread otherwise).
     */
    public LocalHeap ownHeapIfAny() {
        return ownHeapIfAny(Thread.currentThread());
    }

    private LocalHeap ownHeapIfAny(Thread t) {
        return policy.ownsHeap(t) || getVolatileExplicitOwners() > 0 ? ownHeaps.get() : null;
    }

    /**
     * mimalloc's {@code mi_heap_set_default}: from now on the calling thread's own slot serves
     * {@code heap} (a heap of the thread's own data), so every call of the thread that uses its
     * default heap allocates in it. A slot's heap is fixed (every copy the fast paths read of it,
     * the claimed slot, a {@link FastSlots} entry, a second-level entry, holds its direct table and
     * free cache), so the thread gets a new slot and the old one is retired: its owner becomes null,
     * which sends every cached copy to the slow path, and its {@link FastSlots} entry is emptied for
     * the new one. A lease the thread holds is given back (or, while a call of the thread still uses
     * it, left to be taken over once idle): from now on the thread uses its own data only.
     *
     * <p>The busy count stays with the old slot: an own slot's count guards nothing (only a lease
     * is ever taken over), and a call in progress exits the slot it entered.
     *
     * @return the heap that was the default until now
     */
    public LocalHeap setDefault(LocalHeap heap) {
        Thread t = Thread.currentThread();
        ThreadData tld = heap.tld;
        if (tld.thread != t || ownHeap().tld != tld) {
            throw new IllegalStateException("nalloc: not a heap of the calling thread's own data");
        }
        leaveLease(t);
        HeapSlot old = tld.slot();
        if (old.heap == heap) {
            return heap;
        }
        retired(old);
        old.heap.defaultSlot = old; // kept for the next switch back: a switch makes no garbage once each heap has one
        HeapSlot fresh = heap.defaultSlot;
        if (fresh == null || fresh.getVolatileOwner() != null || fresh.fastIndex >= 0) {
            fresh = new HeapSlot(t, heap, false, salt);
        } else {
            fresh.reown(t); // retired by an earlier switch: every cached copy fails its owner check until now
        }
        fresh.home = this;
        tld.setSlot(fresh);
        if (!getVolatileClosed()) {
            installOwn(fresh, t);
        }
        return old.heap;
    }

    /**
     * The calling thread stops using the lease it holds, if any: its fast entry goes, and the lease
     * itself unless a call of the thread is inside it (then it is taken over once the thread is idle).
     */
    private void leaveLease(Thread t) {
        for (HeapSlot s : getVolatileLeases()) {
            if (s.getVolatileOwner() == t) {
                FastSlots.remove(s, t);
                if (s.busy == 0) {
                    s.setVolatileOwner(null);
                }
            }
        }
    }

    /** The calling thread's data is retired: it has no own heap from now on (until it allocates again). */
    public void forgetOwnHeap() {
        ownHeaps.remove();
    }

    /**
     * Enters an own slot in {@link FastSlots}, else in the table, unless its entry there holds a live
     * thread's own slot (then the table grows).
     */
    private void installOwn(HeapSlot s, Thread t) {
        s.home = this;
        if (fast && (s.fastTries++ & (RETRY_INSTALL - 1)) == 0 && installFast(s, t)) {
            return;
        }
        HeapSlot cur = slotOf(table, t);
        if (cur == s || (!isFree(cur) && (s.misses++ & (RETRY_INSTALL - 1)) != 0)) {
            return; // taken by a live thread: this thread goes through its ThreadLocal for a while
        }
        synchronized (this) {
            if (getVolatileClosed() || s.getVolatileOwner() != t) {
                return;
            }
            for (int attempt = 0; attempt < 2; attempt++) {
                HeapSlot[] tab = table;
                int i = (int) t.threadId() & (tab.length - 1);
                if (tab[i] == s) {
                    return;
                }
                if (isFree(tab[i])) {
                    tab[i] = s;
                    if (++ownEntries * 4 > tab.length) {
                        grow(tab.length * 2);
                    }
                    return;
                }
                grow(tab.length * 2); // a collision: a larger table may separate the two ids
            }
        }
    }

    /**
     * Enters {@code s} for {@code t} in {@link FastSlots}, unless the instance is closed. No entry
     * may be made once {@link #close} scanned the table: the process-wide table would otherwise keep
     * the closed instance reachable after its thread ended, and the instance's address space is
     * freed only once it is unreachable. {@link FastSlots#install} reads {@code closed} after it
     * seized the entry, and the close's scan waits out seized entries (see {@link #getVolatileClosed}).
     */
    private boolean installFast(HeapSlot s, Thread t) {
        return !getVolatileClosed() && FastSlots.install(s, t, salt);
    }

    /** An entry a thread may replace: empty, a lease, or the slot of data that was retired or whose thread ended. */
    private static boolean isFree(HeapSlot s) {
        Thread owner = s.getVolatileOwner();
        return s == HeapSlot.EMPTY || s.lease || owner == null || !owner.isAlive();
    }

    /** Re-makes the table at {@code length} (at most {@link #MAX_TABLE}) with the live own slots. Holds the lock. */
    private void grow(int length) {
        HeapSlot[] old = table;
        if (length > MAX_TABLE || length <= old.length) {
            return;
        }
        HeapSlot[] tab = emptyTable(length);
        int own = 0;
        for (HeapSlot s : old) {
            Thread owner = s.getVolatileOwner();
            if (s != HeapSlot.EMPTY && !s.lease && owner != null && owner.isAlive()) {
                int i = (int) owner.threadId() & (length - 1);
                if (tab[i] == HeapSlot.EMPTY) {
                    tab[i] = s;
                    own++;
                }
            }
        }
        ownEntries = own;
        setReleaseTable(tab); // leases re-enter on their holders' next slow call
    }

    /** The data of {@code slot}'s thread was retired: the slot names no thread any more, its entry is free. */
    static void retired(HeapSlot slot) {
        Thread owner = slot.getVolatileOwner();
        if (slot.fastIndex >= 0) {
            FastSlots.remove(slot, owner);
        }
        slot.setVolatileOwner(null);
    }

    // ================================================================== leases

    /** The calling thread's lease: one it still holds, else one taken over, else a new one. */
    private HeapSlot lease(Thread t) {
        // The lease last taken on this carrier first: in a stream of short tasks its holder has
        // just ended here, and it is taken without reading any line that the other carriers write
        // (the scan below reads every lease's owner, among them the ones other carriers' tasks
        // have just taken: one cache miss each). A thread that holds another lease (its fast
        // entry was evicted) may so hold two for a while: see the class comment.
        int carrier = carrierIndex();
        HeapSlot last = lastOnCarrier[carrier];
        if (last != null && (last.getVolatileOwner() == t || take(last, t))) {
            return installLease(last, t);
        }
        HeapSlot[] ls = getVolatileLeases();
        for (HeapSlot s : ls) {
            if (s.getVolatileOwner() == t) {
                return installLease(s, t);
            }
        }
        HeapSlot recent = recentlyFreed(ls);
        if (recent != null && take(recent, t)) {
            lastOnCarrier[carrier] = recent;
            return installLease(recent, t);
        }
        int start = policy.sharedHeapIndex(t);
        for (int round = 0; ; round++) {
            int n = ls.length;
            int first = Math.floorMod(start, n);
            for (int i = 0; i < n; i++) {
                HeapSlot s = ls[(first + i) % n];
                if (take(s, t)) {
                    lastOnCarrier[carrier] = s;
                    return installLease(s, t);
                }
            }
            HeapSlot added = addLease(ls, t);
            if (added != null) {
                lastOnCarrier[carrier] = added;
                return installLease(added, t);
            }
            if (getVolatileClosed()) {
                throw new IllegalStateException("nalloc: the allocator is closed");
            }
            // Every lease is held by a thread that runs or may run: let them (a yield unmounts a
            // virtual thread; it holds nothing here).
            if (round < 3) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            ls = getVolatileLeases();
        }
    }

    /**
     * The entry of {@link #lastOnCarrier} for the OS thread running the caller (a virtual thread's
     * carrier); all callers share entry 0 when the OS layer cannot tell its threads apart.
     */
    private int carrierIndex() {
        long id = osThreadId.getAsLong();
        return (int) ((id * 0x9E3779B97F4A7C15L) >>> (64 - CARRIER_BITS));
    }

    /**
     * The lease taken last (by the youngest thread: {@link HeapSlot#stamp}) whose holder has ended
     * (or that nobody holds), or null. When
     * virtual threads come and go, this is usually the lease of the task that just ended on the
     * same carrier: its pages, blocks and metadata are still in that core's caches, where a lease
     * chosen by thread id would have to move them over from another core.
     */
    private static HeapSlot recentlyFreed(HeapSlot[] ls) {
        HeapSlot best = null;
        for (HeapSlot s : ls) {
            Thread owner = s.getVolatileOwner();
            if ((owner == null || (owner != CLAIMING && !owner.isAlive())) && (best == null || s.stamp - best.stamp > 0)) {
                best = s;
            }
        }
        return best;
    }

    /**
     * Takes lease {@code s} for {@code t} if nobody holds it or its holder is idle (see the class
     * comment for why the order of the steps makes this safe).
     */
    private static boolean take(HeapSlot s, Thread t) {
        Thread old = s.getVolatileOwner();
        if (old == null) {
            if (s.casOwner(null, t)) {
                s.stamp = t.threadId();
                return true;
            }
            return false;
        }
        if (old == CLAIMING) {
            return false;
        }
        if (!old.isAlive()) {
            return takeFromEnded(s, old, t);
        }
        if (!idle(old) || !s.casOwner(old, CLAIMING)) {
            return false;
        }
        int entry = FastSlots.seize(s, old); // its fast entry too, before the state is read again
        // Now no call uses the heap. Only if the old holder is idle, and was not inside a slow path
        // when it became so, is the heap ours (its last call happens-before this read of its state).
        if (idle(old) && s.busy == 0) {
            if (entry >= 0) {
                FastSlots.clear(entry);
            }
            s.stamp = t.threadId();
            s.setReleaseOwner(t);
            return true;
        }
        if (entry >= 0) {
            FastSlots.restore(entry, old);
        }
        s.setVolatileOwner(old);
        return false;
    }

    /**
     * Takes lease {@code s} from {@code old}, a holder that has ended: one compare-and-set from it
     * to the taker, no marker and no second look. An ended thread never runs again, so nothing
     * can start using the heap between the check and the swap, and its end happens-before the
     * {@code isAlive()} that saw it (JLS 17.4.4), so the taker sees every write of its last call
     * (its busy count included: a holder that ended inside a slow path, which only an error in a
     * finally block could do, keeps its lease, as before). Its {@link FastSlots} entry is emptied
     * with one more compare-and-set (it is read by no thread but the dead one; emptied so that the
     * process-wide table keeps no dead thread and no stale copy of the lease).
     */
    private static boolean takeFromEnded(HeapSlot s, Thread old, Thread t) {
        if (s.busy != 0 || !s.casOwner(old, t)) {
            return false;
        }
        FastSlots.remove(s, old);
        s.stamp = t.threadId();
        return true;
    }

    /** Waiting, blocked or ended: not inside a fast path, and not running again before it reads a new owner. */
    static boolean idle(Thread t) {
        Thread.State state = t.getState();
        return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING || state == Thread.State.BLOCKED
                || state == Thread.State.TERMINATED;
    }

    /** Adds a lease held by {@code t}, unless {@code seen} is stale or the limit is reached (then null). */
    private synchronized HeapSlot addLease(HeapSlot[] seen, Thread t) {
        HeapSlot[] ls = getVolatileLeases();
        if (ls != seen || ls.length >= maxLeases || getVolatileClosed()) {
            return null;
        }
        HeapSlot s = newLease();
        s.setVolatileOwner(t);
        HeapSlot[] longer = java.util.Arrays.copyOf(ls, ls.length + 1);
        longer[ls.length] = s;
        setVolatileLeases(longer);
        return s;
    }

    /**
     * Enters a lease in {@link FastSlots} for its holder, else in the table at its holder's entry
     * unless that holds a live thread's own slot.
     */
    private HeapSlot installLease(HeapSlot s, Thread t) {
        s.home = this;
        if (fast && installFast(s, t)) {
            return s;
        }
        HeapSlot[] tab = table;
        int i = (int) t.threadId() & (tab.length - 1);
        if (tab[i] != s && isFree(tab[i]) && !getVolatileClosed()) {
            tab[i] = s; // a racing write may win; then the next call comes here again
        }
        return s;
    }

    /** The calling thread gives its lease back (threadDone). */
    public void releaseLease() {
        Thread t = Thread.currentThread();
        for (HeapSlot s : getVolatileLeases()) {
            if (s.getVolatileOwner() == t) {
                FastSlots.remove(s, t);
                s.setVolatileOwner(null); // volatile: the next holder sees what this one wrote
            }
        }
    }

    /**
     * Calls {@code action} on the heap of every lease the calling thread holds or can take now
     * (collect); the ones it took for that are given back. Leases held by running threads are skipped.
     *
     * @return the leases visited
     */
    public int forEachLeaseNow(java.util.function.Consumer<LocalHeap> action) {
        Thread t = Thread.currentThread();
        int done = 0;
        for (HeapSlot s : getVolatileLeases()) {
            boolean mine = s.getVolatileOwner() == t;
            if (mine || take(s, t)) {
                s.busy++;
                try {
                    action.accept(s.heap);
                    done++;
                } finally {
                    s.busy--;
                    if (!mine) {
                        s.setVolatileOwner(null); // it had no fast entry: take() cleared the old holder's
                    }
                }
            }
        }
        return done;
    }

    /** The data of every shared heap (statistics: racy reads of their counters). */
    public List<ThreadData> leaseData() {
        List<ThreadData> list = new ArrayList<>();
        for (HeapSlot s : getVolatileLeases()) {
            list.add(s.heap.tld);
        }
        return list;
    }

    /** The number of shared heaps now. */
    int leaseCount() {
        return getVolatileLeases().length;
    }

    /** The most shared heaps there may be. */
    int maxLeases() {
        return maxLeases;
    }

    /** Second-level table entries now (tests). */
    int tableLength() {
        return table.length;
    }

    /** This instance's {@link FastSlots} entries in use now (tests). */
    int fastEntries() {
        return FastSlots.entriesOf(this);
    }

    /**
     * Frees this instance's salt (holding nothing of the instance): run once the closed instance is
     * unreachable. Not at close: a thread may still call the closed instance, whose fast paths read
     * the entries of its salt, and must not find there the entries of a newer instance given the
     * same salt (its call would use that instance's heap instead of failing).
     */
    public Runnable saltRelease() {
        int s = salt;
        return fast ? () -> FastSlots.releaseSalt(s) : () -> { };
    }

    /**
     * The instance closes: every entry empties, so every fast path fails over to a slow path that
     * finds the instance closed; no lease can be taken any more.
     */
    public synchronized void close() {
        setVolatileClosed();
        java.lang.invoke.VarHandle.fullFence(); // see getVolatileClosed
        FastSlots.closeInstance(this, -1); // the salt stays taken: see saltRelease
        setReleaseTable(emptyTable(table.length));
    }
}
