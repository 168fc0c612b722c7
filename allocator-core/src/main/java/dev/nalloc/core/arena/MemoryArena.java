package dev.nalloc.core.arena;

import dev.nalloc.core.os.OsMemory;
import dev.nalloc.core.segment.Layout;

/**
 * One OS reservation cut into segment-sized (32 MiB) blocks (mimalloc's {@code mi_arena_t}).
 * Four bitmaps track the blocks: in use, committed, dirty (touched since last decommit, so not
 * known zero) and purge (freed while dirty: a candidate for decommit/reset).
 */
public final class MemoryArena {

    /** The size of one arena block: a segment. */
    public static final long BLOCK_SIZE = Layout.SEGMENT_SIZE;

    private final OsMemory os;
    private final long base;
    private final int blockCount;
    private final Bitmap inUse;
    private final Bitmap committed;
    private final Bitmap dirty;
    private final Bitmap purge;
    /** Blocks holding a segment whose thread ended (see {@code AbandonedSegments}): set on abandon, cleared by the one reclaimer. */
    private final Bitmap abandoned;

    /** An arena over {@code size} bytes at {@code base} (aligned to {@link #BLOCK_SIZE}), committed or not. */
    public MemoryArena(OsMemory os, long base, long size, boolean isCommitted) {
        if ((base & (BLOCK_SIZE - 1)) != 0 || size < BLOCK_SIZE) {
            throw new IllegalArgumentException("arena memory must be block aligned and at least one block");
        }
        this.os = os;
        this.base = base;
        this.blockCount = (int) (size / BLOCK_SIZE);
        this.inUse = new Bitmap(blockCount);
        this.committed = new Bitmap(blockCount);
        this.dirty = new Bitmap(blockCount);
        this.purge = new Bitmap(blockCount);
        this.abandoned = new Bitmap(blockCount);
        if (isCommitted) {
            committed.set(0, blockCount);
        }
    }

    public long base() {
        return base;
    }

    public long size() {
        return blockCount * BLOCK_SIZE;
    }

    public int blockCount() {
        return blockCount;
    }

    public int blocksInUse() {
        return inUse.count();
    }

    public boolean contains(long address) {
        return address >= base && address - base < size();
    }

    /**
     * Claims {@code n} consecutive blocks; with {@code commit} they are committed first.
     *
     * @return the memory, or null when no run of {@code n} free blocks exists (or commit failed)
     */
    public MemoryBlock allocate(int n, boolean commit) {
        if (n > blockCount) {
            return null;
        }
        int index = inUse.claim(n);
        if (index < 0) {
            return null;
        }
        long address = base + index * BLOCK_SIZE;
        boolean zero = !dirty.isAnySet(index, n);
        purge.clear(index, n);
        boolean isCommitted = committed.isAllSet(index, n);
        if (commit && !isCommitted) {
            for (int i = index; i < index + n; i++) {
                if (committed.get(i)) {
                    continue;
                }
                int r = os.commit(base + i * BLOCK_SIZE, BLOCK_SIZE);
                if (r < 0) {
                    inUse.clear(index, n);
                    return null;
                }
                if (r == 0) {
                    zero = false;
                }
                committed.set(i, 1);
            }
            isCommitted = true;
        }
        dirty.set(index, n);
        return new MemoryBlock(address, n * BLOCK_SIZE, this, index, n, isCommitted, zero);
    }

    /**
     * Gives blocks back. When only part of them is committed ({@code committedBytes} of them), the
     * range is decommitted so that the committed bitmap stays exact.
     */
    public void free(MemoryBlock block, boolean fullyCommitted, long committedBytes) {
        int index = block.blockIndex();
        int n = block.blockCount();
        if (fullyCommitted) {
            committed.set(index, n);
            purge.set(index, n);
        } else {
            if (committedBytes > 0 && os.decommit(block.address(), block.size(), committedBytes)) {
                dirty.clear(index, n);
            }
            committed.clear(index, n);
        }
        inUse.clear(index, n);
    }

    /**
     * Purges the free blocks marked for purge: decommits them (they read as zero again) or only
     * resets them. Each block is claimed while it is purged so no one allocates it meanwhile.
     *
     * @return blocks purged
     */
    public int purge(boolean decommit) {
        int purged = 0;
        for (int i = 0; i < blockCount; i++) {
            if (!purge.get(i) || !inUse.tryClaim(i, 1)) {
                continue;
            }
            long address = base + i * BLOCK_SIZE;
            if (committed.get(i)) {
                if (decommit) {
                    if (os.decommit(address, BLOCK_SIZE, BLOCK_SIZE)) {
                        committed.clear(i, 1);
                        dirty.clear(i, 1);
                    }
                } else {
                    os.reset(address, BLOCK_SIZE);
                }
            }
            purge.clear(i, 1);
            inUse.clear(i, 1);
            purged++;
        }
        return purged;
    }

    // ------------------------------------------------------------------ abandoned segments

    /** Marks the segment starting at block {@code index} as abandoned (publishes it to reclaimers). */
    public void markAbandoned(int index) {
        abandoned.set(index, 1);
    }

    /** Takes the abandoned mark of block {@code index}: true for the one caller that gets the segment. */
    public boolean claimAbandoned(int index) {
        return abandoned.tryClearOne(index);
    }

    /** The first block at or after {@code from} marked abandoned, or -1. */
    public int nextAbandoned(int from) {
        return abandoned.nextSet(from);
    }

    /** The address of block {@code index}. */
    public long blockAddress(int index) {
        return base + index * BLOCK_SIZE;
    }

    /** Bytes committed in this arena as the committed bitmap says. */
    public long committedBytes() {
        return committed.count() * BLOCK_SIZE;
    }

    /** Gives the whole reservation back to the OS. */
    public void release() {
        os.release(base, size(), committedBytes());
    }
}
