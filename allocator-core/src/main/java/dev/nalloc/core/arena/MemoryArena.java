package dev.nalloc.core.arena;

import dev.nalloc.core.os.OsMemory;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.spi.PurgePolicy;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One range of memory cut into segment-sized (32 MiB) blocks (mimalloc's {@code mi_arena_t}).
 * Four bitmaps track the blocks: in use, committed, dirty (touched since last decommit, so not
 * known zero) and purge (freed while committed: waiting for its purge deadline).
 *
 * <p>An arena is reserved from the OS (on demand, or at start with {@code reserve_os_memory} or
 * {@link Arenas#reserve}), made of huge OS pages, or memory the user mapped and handed over
 * ({@link Arenas#adopt}). An exclusive arena serves only heaps bound to it. Large and huge OS
 * pages are pinned: they cannot be decommitted or reset, so their blocks are never purged.
 */
public final class MemoryArena {

    /** The size of one arena block: a segment. */
    public static final long BLOCK_SIZE = Layout.SEGMENT_SIZE;

    private final OsMemory os;
    private final int id;
    private final long base;
    private final int blockCount;
    /** Where SECURE's random placement starts searching this arena (drawn once per arena). */
    private final int randomStart;
    private final boolean exclusive;
    private final int numaNode;
    private final boolean pinned;
    private final boolean external;
    private final Bitmap inUse;
    private final Bitmap committed;
    private final Bitmap dirty;
    private final Bitmap purge;
    /** Blocks reset (not decommitted) by a purge: announced with {@code reuse} when claimed again. */
    private final Bitmap reset;
    /** Blocks holding a segment whose thread ended (see {@code AbandonedSegments}): set on abandon, cleared by the one reclaimer. */
    private final Bitmap abandoned;
    /**
     * Per free block, the slices its last segment had in use (the statistics' {@code committed})
     * and that no purge has given back since, or null. Read and written only by whoever holds the
     * block's {@code inUse} bit (the segment giving it back, the claimer, the purger).
     */
    private final long[][] activeSlices;
    /** The mask of a block all of whose slices are in use (a huge segment's blocks); never written. */
    private static final long[] ALL_ACTIVE = allActive();

    private static long[] allActive() {
        long[] m = new long[Layout.SLICES_PER_SEGMENT / 64];
        java.util.Arrays.fill(m, -1L);
        return m;
    }

    /**
     * When the blocks marked for purge are due ({@link OsMemory#now()} scale), or 0 when none are:
     * any thread that frees blocks moves it, any thread's purge takes it, so only through
     * {@link #getVolatilePurgeExpire} and {@link #casPurgeExpire}.
     */
    private final AtomicLong purgeExpire = new AtomicLong();

    /** An ordinary arena over {@code size} bytes at {@code base} (aligned to {@link #BLOCK_SIZE}), committed or not. */
    MemoryArena(OsMemory os, long base, long size, boolean isCommitted) {
        this(os, 0, base, size, isCommitted, true, false, -1, false, false);
    }

    /**
     * @param id          the arena's process-unique id (0 for arenas no handle names)
     * @param isCommitted the whole range is committed
     * @param isZero      the whole range reads as zero
     * @param exclusive   only heaps bound to this arena allocate from it
     * @param numaNode    the NUMA node the memory is on, or -1 for any
     * @param pinned      large or huge OS pages: never decommitted or reset
     * @param external    the user's memory: never given back to the OS
     */
    MemoryArena(OsMemory os, int id, long base, long size, boolean isCommitted, boolean isZero,
                       boolean exclusive, int numaNode, boolean pinned, boolean external) {
        if ((base & (BLOCK_SIZE - 1)) != 0 || size < BLOCK_SIZE) {
            throw new IllegalArgumentException("arena memory must be block aligned and at least one block");
        }
        this.os = os;
        this.id = id;
        this.base = base;
        this.blockCount = (int) (size / BLOCK_SIZE);
        this.randomStart = java.util.concurrent.ThreadLocalRandom.current().nextInt(blockCount);
        this.exclusive = exclusive;
        this.numaNode = numaNode;
        this.pinned = pinned;
        this.external = external;
        this.inUse = new Bitmap(blockCount);
        this.committed = new Bitmap(blockCount);
        this.dirty = new Bitmap(blockCount);
        this.purge = new Bitmap(blockCount);
        this.reset = new Bitmap(blockCount);
        this.abandoned = new Bitmap(blockCount);
        this.activeSlices = new long[blockCount][];
        if (isCommitted) {
            committed.casSet(0, blockCount);
        }
        if (!isZero) {
            dirty.casSet(0, blockCount);
        }
    }

    public int id() {
        return id;
    }

    public long base() {
        return base;
    }

    public long size() {
        return blockCount * BLOCK_SIZE;
    }

    int blockCount() {
        return blockCount;
    }

    int blocksInUse() {
        return inUse.getVolatileCount();
    }

    public boolean exclusive() {
        return exclusive;
    }

    /** The NUMA node of the memory, or -1 for any. */
    public int numaNode() {
        return numaNode;
    }

    /** Large or huge OS pages: never purged. */
    boolean pinned() {
        return pinned;
    }

    /** The user's memory ({@link Arenas#adopt}): never released to the OS. */
    boolean external() {
        return external;
    }

    boolean contains(long address) {
        return address >= base && address - base < size();
    }

    /** Whether {@code [address, address + length)} overlaps this arena. */
    boolean overlaps(long address, long length) {
        return address < base + size() && base < address + length;
    }

    /**
     * Claims {@code n} consecutive blocks; with {@code commit} they are committed first.
     *
     * @return the memory, null when no run of {@code n} free blocks exists, or
     *         {@link MemoryBlock#COMMIT_FAILED} when the commit failed (reported; nothing claimed)
     */
    MemoryBlock allocate(int n, boolean commit) {
        return allocate(n, commit, 0);
    }

    /** The block SECURE's random placement searches from: random, and the same for every claim. */
    int randomStart() {
        return randomStart;
    }

    /** {@link #allocate(int, boolean)}, searching from block {@code from} first (random placement). */
    MemoryBlock allocate(int n, boolean commit, int from) {
        if (n > blockCount) {
            return null;
        }
        int index = from == 0 ? inUse.casClaim(n) : inUse.casClaimFrom(n, from);
        if (index < 0) {
            return null;
        }
        long address = base + index * BLOCK_SIZE;
        boolean zero = !dirty.getVolatileAnySet(index, n);
        purge.casClear(index, n); // reused before its purge: nothing to give back
        boolean isCommitted = committed.getVolatileAllSet(index, n);
        boolean claimed = false;
        try {
            if (commit && !isCommitted) {
                for (int i = index; i < index + n; i++) {
                    if (committed.getVolatile(i)) {
                        continue;
                    }
                    int r = os.commit(base + i * BLOCK_SIZE, BLOCK_SIZE);
                    if (r < 0) {
                        return MemoryBlock.COMMIT_FAILED; // the blocks committed so far stay marked committed
                    }
                    if (r == 0) {
                        zero = false;
                    }
                    committed.casSet(i, 1);
                }
                isCommitted = true;
            }
            if (reset.getVolatileAnySet(index, n)) {
                for (int i = index; i < index + n; i++) {
                    if (reset.getVolatile(i)) {
                        os.reuse(base + i * BLOCK_SIZE, BLOCK_SIZE);
                        reset.casClear(i, 1);
                    }
                }
            }
            claimed = true;
        } finally {
            if (!claimed) { // a failed commit, or an error handler or a closed instance threw
                inUse.casClear(index, n);
            }
        }
        dirty.casSet(index, n);
        return new MemoryBlock(address, n * BLOCK_SIZE, this, index, n, isCommitted, zero);
    }

    /**
     * Gives blocks back. When only part of them is committed ({@code committedBytes} of them), the
     * range is decommitted so that the committed bitmap stays exact. Fully committed blocks are
     * marked for purge and their deadline is set (or moved) by the policy, and the slices their
     * segment had in use stay counted as in use (the statistics' {@code committed}) until a purge or
     * the next claimer takes them ({@link #takeActive}); decommitted blocks keep none (the caller
     * takes them out of the statistics).
     *
     * @param now    the current time, {@link OsMemory#now()}
     * @param active      the slices in use of the single-block segment given back, or null for a huge
     *                    segment, of which the first {@code activeBytes} are in use
     * @param activeBytes a huge segment's bytes in use (its block), ignored when {@code active} is given
     */
    public void free(MemoryBlock block, boolean fullyCommitted, long committedBytes, PurgePolicy policy, long now,
                     long[] active, long activeBytes) {
        int index = block.blockIndex();
        int n = block.blockCount();
        if (fullyCommitted) {
            if (active != null) {
                activeSlices[index] = active;
            } else {
                for (int i = index; i < index + n && activeBytes > 0; i++, activeBytes -= BLOCK_SIZE) {
                    activeSlices[i] = activeBytes >= BLOCK_SIZE ? ALL_ACTIVE : leadingSlices(activeBytes);
                }
            }
        }
        if (!fullyCommitted) {
            // Whatever the decommit does, the blocks count as decommitted (committed again before use).
            committed.casClear(index, n);
            try {
                if (committedBytes > 0 && os.decommit(block.address(), block.size(), committedBytes) && !external) {
                    dirty.casClear(index, n);
                }
            } finally {
                inUse.casClear(index, n);
            }
            return;
        }
        committed.casSet(index, n);
        // Free first, then mark and set the deadline: a purger that took the old deadline before
        // our mark cannot skip the block (still in use) and leave it marked without a deadline. A
        // block claimed again in between may get a stale mark; purges claim before they touch, so
        // it is never purged while in use, and its next allocation clears the mark.
        inUse.casClear(index, n);
        if (!pinned) {
            schedulePurge(index, n, policy, now);
        }
    }

    private void schedulePurge(int index, int n, PurgePolicy policy, long now) {
        purge.casSet(index, n);
        long old;
        long next;
        do {
            old = getVolatilePurgeExpire();
            next = policy.deadline(now, old, true);
            if (next == PurgePolicy.NEVER) {
                return; // stays marked: only a forced collect purges it
            }
            if (next == 0) {
                next = 1; // 0 means "nothing pending"
            }
        } while (!casPurgeExpire(old, next));
    }

    /** Blocks {@code [index, index + n)} (still in use) hold reset memory: their next claim announces the reuse. */
    public void markReset(int index, int n) {
        reset.casSet(index, n);
    }

    /** The pending purge deadline, or 0 when no timed purge is pending (a volatile read). */
    long getVolatilePurgeExpire() {
        return purgeExpire.get();
    }

    /**
     * Volatile CAS of the purge deadline: a scheduling free moves it only from the value it read,
     * and exactly one of several purging threads takes a due deadline (sets it to 0).
     */
    private boolean casPurgeExpire(long expected, long value) {
        return purgeExpire.compareAndSet(expected, value);
    }

    /** Blocks marked for purge. */
    int blocksToPurge() {
        return purge.getVolatileCount();
    }

    /**
     * Purges the marked blocks when their deadline has passed, or at once with {@code force}.
     *
     * @return blocks purged
     */
    int tryPurge(long now, boolean force, boolean decommit) {
        long expire = getVolatilePurgeExpire();
        if (!force && (expire == 0 || now - expire < 0)) {
            return 0;
        }
        if (expire != 0 && !casPurgeExpire(expire, 0)) {
            return 0; // another thread purges this round
        }
        return purge(decommit);
    }

    /**
     * Purges the free blocks marked for purge: decommits them (they read as zero again) or only
     * resets them. Each block is claimed while it is purged so no one allocates it meanwhile.
     *
     * @return blocks purged
     */
    int purge(boolean decommit) {
        if (pinned) {
            return 0;
        }
        int purged = 0;
        for (int i = 0; i < blockCount; i++) {
            if (!purge.getVolatile(i) || !inUse.casClaimAt(i, 1)) {
                continue;
            }
            if (!purge.getVolatile(i)) { // reused and freed again between the two reads: not ours to purge
                inUse.casClear(i, 1);
                continue;
            }
            long address = base + i * BLOCK_SIZE;
            dropActive(i);
            try {
                if (committed.getVolatile(i)) {
                    if (decommit) {
                        // Done or not, it counts as decommitted: committed again before use.
                        committed.casClear(i, 1);
                        reset.casClear(i, 1);
                        if (os.decommit(address, BLOCK_SIZE, BLOCK_SIZE) && !external) {
                            dirty.casClear(i, 1); // a decommitted file mapping reads the file again, not zeros
                        }
                    } else {
                        os.reset(address, BLOCK_SIZE);
                        reset.casSet(i, 1);
                    }
                    os.stats().purged(address, BLOCK_SIZE, decommit);
                }
                purge.casClear(i, 1);
            } finally {
                inUse.casClear(i, 1); // also when an error handler threw
            }
            purged++;
        }
        return purged;
    }

    /** Block {@code index} is purged or released: its slices in use leave the statistics. */
    private void dropActive(int index) {
        long[] m = activeSlices[index];
        if (m != null) {
            activeSlices[index] = null;
            os.stats().notInUse(activeBytes(m));
        }
    }

    /** A mask of the slices covering the first {@code bytes} of a block. */
    private static long[] leadingSlices(long bytes) {
        long[] m = new long[Layout.SLICES_PER_SEGMENT / 64];
        int slices = (int) Layout.slicesFor(bytes);
        for (int i = 0; i < slices; i++) {
            m[i >>> 6] |= 1L << (i & 63);
        }
        return m;
    }

    private static long activeBytes(long[] mask) {
        long c = 0;
        for (long w : mask) {
            c += Long.bitCount(w);
        }
        return c << Layout.SLICE_SHIFT;
    }

    /**
     * The slices in use that the claimer of block {@code index} (claimed just now) takes over: a copy
     * of the mask kept at its last free, or null; the record leaves the arena.
     */
    public long[] takeActive(int index) {
        long[] m = activeSlices[index];
        activeSlices[index] = null;
        return m == ALL_ACTIVE ? ALL_ACTIVE.clone() : m;
    }

    /** Bytes in use kept for blocks {@code [index, index + n)} (claimed just now), leaving the arena with them. */
    public long takeActiveBytes(int index, int n) {
        long bytes = 0;
        for (int i = index; i < index + n; i++) {
            long[] m = activeSlices[i];
            if (m != null) {
                activeSlices[i] = null;
                bytes += activeBytes(m);
            }
        }
        return bytes;
    }

    // ------------------------------------------------------------------ abandoned segments

    /** Marks the segment starting at block {@code index} as abandoned (publishes it to reclaimers). */
    public void markAbandoned(int index) {
        abandoned.casSet(index, 1);
    }

    /** Takes the abandoned mark of block {@code index}: true for the one caller that gets the segment. */
    public boolean claimAbandoned(int index) {
        return abandoned.casClearOne(index);
    }

    /** The first block at or after {@code from} marked abandoned, or -1. */
    public int nextAbandoned(int from) {
        return abandoned.getVolatileNextSet(from);
    }

    /** The address of block {@code index}. */
    public long blockAddress(int index) {
        return base + index * BLOCK_SIZE;
    }

    /**
     * Resident bytes of the blocks touched since their last decommit (runs of them at once), as the
     * OS layer counts them; -1 when it cannot tell. Any thread (racy with claims: an estimate).
     */
    public long residentBytes() {
        long sum = 0;
        int i = 0;
        while (i < blockCount) {
            if (!dirty.getVolatile(i)) {
                i++;
                continue;
            }
            int end = i;
            while (end < blockCount && dirty.getVolatile(end)) {
                end++;
            }
            long r = os.resident(base + i * BLOCK_SIZE, (end - i) * BLOCK_SIZE);
            if (r < 0) {
                return -1;
            }
            sum += r;
            i = end;
        }
        return sum;
    }

    /** Bytes committed in this arena as the committed bitmap says. */
    long committedBytes() {
        return committed.getVolatileCount() * BLOCK_SIZE;
    }

    /**
     * Gives the whole reservation back to the OS. The user's memory stays mapped: only the bytes
     * counted as committed leave the statistics.
     */
    void release() {
        for (int i = 0; i < blockCount; i++) {
            dropActive(i);
        }
        if (external) {
            os.forget(size(), committedBytes());
        } else {
            os.release(base, size(), committedBytes());
        }
        os.stats().arenaReleased(base, size());
    }

    /**
     * The instance closed: the reservation is retired ({@link OsMemory#retire}: contents dropped,
     * freed once the instance is unreachable); the user's memory is only forgotten. The bitmaps stay
     * as they are, so threads still inside a call find the arena as it was (their commits fail).
     */
    void retire() {
        for (int i = 0; i < blockCount; i++) {
            dropActive(i);
        }
        if (external) {
            os.forget(size(), committedBytes());
        } else {
            os.retire(base, size(), committedBytes());
        }
        os.stats().arenaReleased(base, size());
    }
}
