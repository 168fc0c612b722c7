package dev.nalloc.core.heap;

import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The first level of the thread-to-heap lookup: one process-wide table of {@value #SIZE} entries
 * in parallel arrays, indexed by {@code (thread id * ID_SPREAD + salt) & MASK}, where each allocator instance
 * has a salt of its own. An entry names the thread that uses a heap of the instance now (the owner
 * of an own slot, or the holder of a lease: see {@link HeapSlot}) and holds what the fast paths
 * read of it: the heap's direct page table and the thread's free-path cache.
 *
 * <p>Instances beyond the {@value #SIZE}th live one get {@link #NO_SALT}, which no instance that
 * enters entries holds: an entry at {@code (id + NO_SALT) & MASK} is another salt's entry of
 * another thread, so its owner never matches the caller and the fast paths need no test of
 * whether their instance has a salt.
 *
 * <p>Why static arrays: the JIT folds a {@code static final} array to a constant, so an entry is
 * one load from a known base with no range check and no load of an array reference, wherever the
 * caller holds its allocator. A table per instance costs more dependent loads per call
 * (docs/design-core.md).
 *
 * <p>Why a thread may read its entry's arrays one by one without a lock: an entry's data is only
 * written by a thread that first moved its owner to {@link ThreadHeaps#CLAIMING} with a
 * compare-and-set, and only when the previous owner cannot be reading it: it is null, has ended,
 * is the writer itself, or holds a lease and is idle (the same rule and the same argument as for
 * taking a lease over: {@link ThreadHeaps}). A thread that finds itself as an entry's owner entered
 * its data itself and nobody has written it since. The owner goes in last, with a release store.
 * Own slots of live threads are never evicted. Salts are unique among live instances (a
 * multiplication by an odd number is a bijection modulo {@value #SIZE}), so an owner match also
 * names the instance; an instance clears its entries when it closes, before its salt is free again.
 */
public final class FastSlots {

    static final int SIZE = 1 << 12;
    static final int MASK = SIZE - 1;
    /** Spreads the salts of successive instances over the table. */
    private static final int SALT_STRIDE = 0x9E3779B1;

    /**
     * The thread each entry is for, or null (or {@link ThreadHeaps#CLAIMING} while it is rewritten):
     * reached only through the accessors below, whose names say the memory ordering.
     */
    private static final Thread[] OWNERS = new Thread[SIZE];
    /** The direct page table of the entry's heap. */
    public static final Page[][] DIRECTS = new Page[SIZE][];
    /** The thread's free-path cache: the cover array of the segment of its last local free (see {@link HeapSlot#lastFreeCover}). */
    public static final Page[][] FREE_COVERS = new Page[SIZE][];
    /**
     * {@link #DIRECTS} typed for encoded heaps ({@link HeapSlot#encodedDirect}; null for FAST's):
     * an element of a {@code static final EncodedPage[][]} is known to be an {@code EncodedPage[]},
     * so SECURE's malloc fast path gets its page typed, with no class check (SecureTypedTablesTest).
     */
    public static final EncodedPage[][] ENCODED_DIRECTS = new EncodedPage[SIZE][];
    /** {@link #FREE_COVERS} typed for encoded heaps ({@link HeapSlot#encodedFreeCover}): SECURE's free fast path. */
    public static final EncodedPage[][] ENCODED_FREE_COVERS = new EncodedPage[SIZE][];
    /** The slot of each entry (slow paths). */
    private static final HeapSlot[] SLOTS = new HeapSlot[SIZE];
    private static final VarHandle OWNER = MethodHandles.arrayElementVarHandle(Thread[].class);
    /** Which salts (by number, not value) live instances hold. */
    private static final boolean[] SALTS_TAKEN = new boolean[SIZE];
    private static int nextSalt;
    /** The salt number never handed out; its salt is {@link #NO_SALT}. */
    private static final int RESERVED = MASK;
    /** The salt of instances that enter no entries (every other salt held): no entry is ever theirs. */
    static final int NO_SALT = (RESERVED * SALT_STRIDE) & MASK;

    static {
        java.util.Arrays.fill(FREE_COVERS, HeapSlot.NO_COVER);
        java.util.Arrays.fill(ENCODED_FREE_COVERS, EncodedPage.NO_COVER);
    }

    private FastSlots() {
    }

    /**
     * Spreads successive thread ids over the table: entries of threads made one after another (a
     * pool's workers, a stream of virtual-thread tasks) lie {@value} entries apart, in different
     * cache lines, so a thread entering or leaving its entry (a task taking a lease: compare-and-sets
     * on the owner) does not take the line of a neighbour's entry that another core reads on every
     * call. Odd, so the index is still a bijection of the id modulo {@value #SIZE} (ids a multiple of
     * {@value #SIZE} apart, and only those, share an entry). Three bits set, so that the JIT keeps it
     * one multiplication (FastSlotsIndexTest; docs/design-core.md, "Shapes the JIT needs").
     */
    static final int ID_SPREAD = 19;

    /** The entry of thread {@code t} for an instance with salt {@code salt}. */
    public static int index(Thread t, long salt) {
        return indexOf(t.threadId(), salt);
    }

    /** The entry of the thread with id {@code id} for an instance with salt {@code salt}. */
    static int indexOf(long id, long salt) {
        return (int) ((id * ID_SPREAD + salt) & MASK);
    }

    /** A salt no live instance holds, or -1 when every one is held (but {@link #NO_SALT}'s). */
    static synchronized int claimSalt() {
        for (int n = 0; n < SIZE; n++) {
            int k = (nextSalt + n) & MASK;
            if (k != RESERVED && !SALTS_TAKEN[k]) {
                SALTS_TAKEN[k] = true;
                nextSalt = k + 1;
                return (k * SALT_STRIDE) & MASK;
            }
        }
        return -1;
    }

    /** Frees a salt (its instance closed and cleared its entries). */
    static synchronized void releaseSalt(int salt) {
        for (int k = 0; k < SIZE; k++) {
            if (((k * SALT_STRIDE) & MASK) == salt) { // the stride is odd: exactly one k matches
                SALTS_TAKEN[k] = false;
                return;
            }
        }
    }

    /**
     * Entry {@code i}'s owner read plainly: the fast paths' check {@code getPlainOwner(i) == t}. A
     * thread that finds itself there entered the entry itself and nobody has written it since (see
     * above); a stale read by any other thread only sends it to the slow path.
     */
    public static Thread getPlainOwner(int i) {
        return OWNERS[i];
    }

    /** Entry {@code i}'s owner read with volatile semantics (slow paths, before seizing it). */
    private static Thread getVolatileOwner(int i) {
        return (Thread) OWNER.getVolatile(OWNERS, i);
    }

    /**
     * Compare-and-set of entry {@code i}'s owner (volatile semantics): seizes the entry (to
     * {@link ThreadHeaps#CLAIMING}) before its data is rewritten.
     */
    private static boolean casOwner(int i, Thread expected, Thread t) {
        return OWNER.compareAndSet(OWNERS, i, expected, t);
    }

    /** Gives a seized entry an owner with volatile semantics (back to its holder, or null when cleared). */
    private static void setVolatileOwner(int i, Thread t) {
        OWNER.setVolatile(OWNERS, i, t);
    }

    /**
     * Gives a seized entry its new owner with a release store, last: the entry's data written
     * before it is seen by the owner's fast paths (the owner wrote it itself; the release keeps the
     * entry whole for the slow paths of other threads reading it after a volatile read).
     */
    private static void setReleaseOwner(int i, Thread t) {
        OWNER.setRelease(OWNERS, i, t);
    }

    /** The slot of entry {@code i} (its thread's slow paths). */
    static HeapSlot slotAt(int i) {
        return SLOTS[i];
    }

    /**
     * Enters {@code slot} for the calling thread {@code t} (its own slot, or a lease it holds) in
     * the instance with {@code salt}, unless the entry is another live thread's own, or a lease
     * holder's that is not idle, or being rewritten.
     *
     * @return whether it is there now
     */
    static boolean install(HeapSlot slot, Thread t, int salt) {
        int i = index(t, salt);
        Thread cur = getVolatileOwner(i);
        HeapSlot curSlot = SLOTS[i];
        if (cur == t && curSlot == slot) {
            return true;
        }
        if (cur == ThreadHeaps.CLAIMING) {
            return false;
        }
        if (cur != null && cur.isAlive()) {
            // Another thread's: only a lease of an idle holder may be evicted (the holder keeps
            // its lease and finds it through the second level).
            if (curSlot == null || !curSlot.lease || !ThreadHeaps.idle(cur) || !casOwner(i, cur, ThreadHeaps.CLAIMING)) {
                return false;
            }
            if (!ThreadHeaps.idle(cur) || curSlot.busy != 0) {
                setVolatileOwner(i, cur);
                return false;
            }
        } else if (!casOwner(i, cur, ThreadHeaps.CLAIMING)) {
            return false;
        }
        // The seizing compare-and-set, then this volatile read: paired with close's volatile write
        // of closed and its scan (which waits out a seized entry), either the scan finds this entry
        // or this thread finds the instance closed (no full fence needed on either side).
        if (slot.home != null && slot.home.getVolatileClosed()) {
            setVolatileOwner(i, cur);
            return false;
        }
        // The evicted slot's fastIndex is left as it is: it belongs to that slot's holder (or a
        // thread taking it over), and every reader of a fastIndex checks SLOTS[i] first.
        SLOTS[i] = slot;
        DIRECTS[i] = slot.direct;
        FREE_COVERS[i] = slot.lastFreeCover;
        ENCODED_DIRECTS[i] = slot.encodedDirect;
        ENCODED_FREE_COVERS[i] = slot.encodedFreeCover;
        slot.fastIndex = i;
        setReleaseOwner(i, t);
        return true;
    }

    /**
     * The slot's free-path cache changed (its thread freed into another segment): the entry follows.
     * Written while the entry is seized: a close clearing the entry at the same moment (it waits
     * for a seized entry) must not find the cache written back after it, or the process-wide table
     * would keep a closed instance's pages, and so the instance, reachable.
     */
    static void cacheChanged(HeapSlot slot, Thread t) {
        int i = slot.fastIndex;
        if (i >= 0 && SLOTS[i] == slot && getPlainOwner(i) == t && casOwner(i, t, ThreadHeaps.CLAIMING)) {
            if (SLOTS[i] == slot) {
                FREE_COVERS[i] = slot.lastFreeCover;
                ENCODED_FREE_COVERS[i] = slot.encodedFreeCover;
            }
            setVolatileOwner(i, t);
        }
    }

    /**
     * Takes the entry of {@code slot} away from {@code holder} for rewriting (its owner becomes
     * {@link ThreadHeaps#CLAIMING}); the caller then {@link #clear}s it or {@link #restore}s it.
     *
     * @return the entry, or -1 when {@code holder} has none for {@code slot}
     */
    static int seize(HeapSlot slot, Thread holder) {
        int i = slot.fastIndex;
        if (i < 0 || SLOTS[i] != slot || holder == null) {
            return -1;
        }
        while (true) {
            Thread cur = getVolatileOwner(i);
            if (cur != holder || SLOTS[i] != slot) {
                return -1;
            }
            if (casOwner(i, holder, ThreadHeaps.CLAIMING)) {
                return i;
            }
        }
    }

    /** Gives a seized entry back to {@code holder} unchanged. */
    static void restore(int i, Thread holder) {
        setVolatileOwner(i, holder);
    }

    /** Empties a seized entry. */
    static void clear(int i) {
        HeapSlot s = SLOTS[i];
        if (s != null && s.fastIndex == i) {
            s.fastIndex = -1;
        }
        SLOTS[i] = null;
        DIRECTS[i] = null;
        FREE_COVERS[i] = HeapSlot.NO_COVER;
        ENCODED_DIRECTS[i] = null;
        ENCODED_FREE_COVERS[i] = EncodedPage.NO_COVER;
        setReleaseOwner(i, null); // whoever seizes it next (a CAS, acquiring) sees it whole
    }

    /** The slot's thread ({@code holder}) no longer uses it (retired data, a lease given back): its entry goes. */
    static void remove(HeapSlot slot, Thread holder) {
        int i = seize(slot, holder);
        if (i >= 0) {
            clear(i);
        }
    }

    /** Clears every entry of the instance {@code home}, then frees its salt (close). */
    static void closeInstance(ThreadHeaps home, int salt) {
        for (int i = 0; i < SIZE; i++) {
            // Every entry's owner is read (volatile) and a seized one waited out, whatever slot it
            // holds now: an install seizes its entry before it writes the slot, then reads whether
            // the instance is closed (see install).
            while (true) {
                Thread cur = getVolatileOwner(i);
                if (cur == ThreadHeaps.CLAIMING) {
                    Thread.onSpinWait();
                    continue;
                }
                HeapSlot s = SLOTS[i];
                if (s == null || s.home != home) {
                    break;
                }
                if (casOwner(i, cur, ThreadHeaps.CLAIMING)) {
                    if (SLOTS[i] == s) {
                        clear(i);
                    } else {
                        setVolatileOwner(i, cur);
                    }
                    break;
                }
            }
        }
        if (salt >= 0) {
            releaseSalt(salt);
        }
    }

    /** Entries of the instance {@code home} in use now (statistics, tests). */
    static int entriesOf(ThreadHeaps home) {
        int n = 0;
        for (int i = 0; i < SIZE; i++) {
            HeapSlot s = SLOTS[i];
            Thread owner = getVolatileOwner(i);
            if (s != null && s.home == home && owner != null && owner != ThreadHeaps.CLAIMING) {
                n++;
            }
        }
        return n;
    }
}
