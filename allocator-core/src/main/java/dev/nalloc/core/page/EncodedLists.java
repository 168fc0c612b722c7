package dev.nalloc.core.page;

import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.memory.Layout;

/**
 * The free-list operations of pages whose links are encoded (pages of CHECKED and SECURE
 * instances; mimalloc's {@code MI_ENCODE_FREELIST}). Every link is stored through the page's
 * {@link dev.nalloc.spi.FreeListEncoding} with the page's two keys, and every link read is decoded
 * and verified: it must be 0 or the start of a carved block of the same page. A link that fails is
 * never followed, so a use-after-free write into a free block cannot make the allocator hand out
 * or touch memory outside the page.
 *
 * <p>A broken list is dropped and the blocks on it are counted as used (leaked), which keeps the
 * page's invariant ({@code live + |lists| == capacity}) and so the page usable. FAST pages never
 * come here: {@link Page} dispatches on its type ({@link EncodedPage}) at the top of its slow paths only.
 */
final class EncodedLists {

    private EncodedLists() {
    }

    /** The decoded link of {@code block}, unverified. */
    private static long decode(EncodedPage page, long block) {
        return page.decodeAt(block);
    }

    private static void store(EncodedPage page, long block, long next) {
        Mem.store(block, page.encodeLink(block, next));
    }

    /** The verified link of {@code block} on a list being walked. */
    static long next(EncodedPage page, long block) {
        long next = decode(page, block);
        if (!page.isValidLink(next)) {
            throw new FreeListCorruption(page, brokenMessage(page, block, next));
        }
        return next;
    }

    static String brokenMessage(EncodedPage page, long block, long decoded) {
        return "the free block at 0x" + Long.toHexString(block) + " of the page at 0x" + Long.toHexString(page.start)
                + " (blocks of " + page.blockSize + " bytes) has a broken link (decodes to 0x" + Long.toHexString(decoded)
                + "): written after it was freed?";
    }

    /** {@link EncodedPage#popEncoded} when the link of {@code block} is broken: 0, the rest of {@code free} dropped. */
    static long dropRest(EncodedPage page, long block) {
        // |free| = capacity - used - |localFree|, of which `block` is about to be counted by the caller.
        int localFree = salvageLength(page, page.localFree);
        if (localFree < 0) {
            page.localFree = 0;
            localFree = 0;
        }
        page.used += page.capacity - page.used - localFree - 1;
        page.mode.brokenLink = block;
        PageOwner heap = page.getVolatileHeap();
        if (heap != null) {
            heap.brokenLinks++;
        }
        return 0;
    }

    /** The length of a list, or -1 when a link in it is broken. */
    private static int salvageLength(EncodedPage page, long head) {
        int n = 0;
        for (long b = head; b != 0; b = decode(page, b)) {
            if (!page.isValidLink(b) || ++n > page.capacity) {
                return -1;
            }
        }
        return n;
    }

    /** Drops a broken {@code free} list: its blocks count as used from now on. */
    private static void dropFree(EncodedPage page) {
        int localFree = salvageLength(page, page.localFree);
        if (localFree < 0) {
            page.localFree = 0;
            localFree = 0;
        }
        page.free = 0;
        page.used = page.capacity - localFree;
    }

    /** {@link Page#extend} with encoded links, in a random order when the page shuffles. */
    static void extend(EncodedPage page) {
        int room = page.reserved - page.capacity;
        if (room <= 0) {
            return;
        }
        long bs = page.blockSize;
        long maxExtend = bs >= Layout.MAX_EXTEND_BYTES ? Layout.MIN_EXTEND_BLOCKS
                : Math.max(Layout.MIN_EXTEND_BLOCKS, Layout.MAX_EXTEND_BYTES / bs);
        if (page.extendSmall) {
            page.extendSmall = false;
            maxExtend = Layout.MIN_EXTEND_BLOCKS;
        } else if (page.mode.shuffle != 0 && page.capacity > 0 && bs < Layout.MAX_EXTEND_BYTES) {
            maxExtend *= PageMode.RUNS; // a page in use: wide runs (see linkInterleaved)
        }
        int extend = (int) Math.min(room, maxExtend);
        long from = page.start + page.capacity * bs;
        // capacity first: the links must verify as carved blocks when they are read back.
        page.capacity += extend;
        if (!page.inFull()) {
            page.blockLimit = page.capacity; // the new blocks may be freed from now on
        }
        long head = page.free;
        PageMode mode = page.mode;
        if (mode.shuffle != 0 && extend > 1) {
            head = linkInterleaved(page, mode, from, extend, head);
        } else {
            for (int i = extend - 1; i >= 0; i--) { // address order
                long block = from + i * bs;
                store(page, block, head);
                head = block;
            }
        }
        page.freeIsZero = page.free == 0 ? page.isZeroInit() : page.freeIsZero && page.isZeroInit();
        page.pristine = false; // never rewound: its relinking writes plain links
        page.carveAhead = 0;
        page.free = head;
    }

    /**
     * Links the {@code extend} blocks from {@code from} in a random order ahead of {@code tail}
     * (SECURE; mimalloc's secure extension): the blocks are cut into runs (a power of two of them,
     * at most {@link PageMode#RUNS}), and each next block of the list is the front of a run chosen
     * at random. The order cannot be predicted, yet each run is still handed out in address order,
     * which keeps the cost of walking memory close to FAST's. One random word serves 8 choices.
     *
     * <p>A page's first extension is one OS page of blocks, as in FAST, so that a page that serves a
     * few blocks touches no more memory. Later ones are {@link PageMode#RUNS} times wider, one OS page
     * of blocks per run: the hardware prefetchers follow one stream per 4 KiB page, so runs that
     * share an OS page leave every block of a list walked on another core a cache miss of its own
     * (xmalloc-test's producers walk such lists: see docs/performance.md).
     *
     * @return the head of the list
     */
    private static long linkInterleaved(EncodedPage page, PageMode mode, long from, int extend, long tail) {
        long bs = page.blockSize;
        int runs = Math.min(PageMode.RUNS, Integer.highestOneBit(extend));
        int mask = runs - 1;
        int per = extend / runs;
        long[] at = mode.runAt;
        int[] left = mode.runLeft;
        for (int r = 0; r < runs; r++) {
            at[r] = from + (long) r * per * bs;
            left[r] = per;
        }
        left[mask] += extend - per * runs;
        long x = xorshift(mode.shuffle);
        long head = 0;
        long prev = 0;
        for (int i = 0; i < extend; i++) {
            if (i != 0 && (i & 7) == 0) {
                x = xorshift(x);
            }
            int r = (int) (x >>> ((i & 7) << 3)) & mask;
            while (left[r] == 0) {
                r = (r + 1) & mask;
            }
            long block = at[r];
            at[r] = block + bs;
            left[r]--;
            if (prev == 0) {
                head = block;
            } else {
                store(page, prev, block);
            }
            prev = block;
        }
        store(page, prev, tail);
        mode.shuffle = x;
        return head;
    }

    private static long xorshift(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        return x ^ (x << 17);
    }

    /** {@link Page#collect} with encoded links. */
    static int collect(EncodedPage page, boolean force) {
        int remote = force || page.free == 0 ? collectThreadFree(page) : 0;
        if (page.localFree != 0) {
            if (page.free == 0) {
                page.takeLocalFree();
            } else if (force) {
                long tail = page.free;
                long next;
                int n = 0;
                try {
                    while ((next = next(page, tail)) != 0) {
                        if (++n > page.capacity) {
                            throw new FreeListCorruption(page, "the free list of the page at 0x"
                                    + Long.toHexString(page.start) + " is longer than the page");
                        }
                        tail = next;
                    }
                } catch (FreeListCorruption e) {
                    dropFree(page); // free is empty now, and so is localFree if it was broken too
                    page.takeLocalFree();
                    throw e;
                }
                store(page, tail, page.localFree);
                page.localFree = 0;
                page.freeIsZero = false;
            }
        }
        return remote;
    }

    /** {@link Page#collectThreadFree} with encoded links: a broken list stays dropped (counted as used). */
    static int collectThreadFree(EncodedPage page) {
        long tf;
        do {
            tf = page.getAcquireThreadFree();
            if ((tf & Page.HEAD_MASK) == 0) {
                return 0;
            }
        } while (!page.casThreadFree(tf, tf & ~Page.HEAD_MASK));
        return takeThreadFree(page, tf & Page.HEAD_MASK);
    }

    /** {@link Page#collectThreadFree}'s walk of a list from {@code head} already taken off the page. */
    static int takeThreadFree(EncodedPage page, long head) {
        if (!page.isValidLink(head)) {
            throw new FreeListCorruption(page, "the thread-free list of the page at 0x" + Long.toHexString(page.start)
                    + " starts at 0x" + Long.toHexString(head) + ", not a block of the page");
        }
        long tail = head;
        int count = 1;
        long next;
        while ((next = decode(page, tail)) != 0) {
            if (++count > page.capacity || !page.isValidLink(next)) {
                throw new FreeListCorruption(page, count > page.capacity
                        ? "the thread-free list of the page at 0x" + Long.toHexString(page.start) + " is longer than the page"
                        : "thread-free: " + brokenMessage(page, tail, next));
            }
            tail = next;
        }
        store(page, tail, page.localFree);
        page.localFree = head;
        page.used -= count;
        return count;
    }

    /** True when {@code block} is on the list from {@code head} (see {@link EncodedPage#onFreeLists}). */
    static boolean contains(EncodedPage page, long head, long block) {
        int n = 0;
        for (long b = head; b != 0 && page.isValidLink(b) && n++ <= page.capacity; b = decode(page, b)) {
            if (b == block) {
                return true;
            }
        }
        return false;
    }

    /** {@link Page#listLength} for encoded lists. */
    static int listLength(EncodedPage page, long head) {
        int n = 0;
        for (long b = head; b != 0; b = decode(page, b)) {
            if (!page.isValidLink(b) || ++n > page.capacity) {
                throw new IllegalStateException("free list of page at 0x" + Long.toHexString(page.start)
                        + " is corrupt at 0x" + Long.toHexString(b));
            }
        }
        return n;
    }

    /**
     * {@link Page#freeRemote} with the link encoded. The block already at the head of the
     * thread-free list is not pushed again: two threads that free one block at the same time both
     * get here (both screens saw a live block), and the one that loses the push finds the other's
     * block on top when it tries again (unless a third free came in between).
     *
     * @return {@link EncodedPage#PUSHED}, {@link EncodedPage#AT_HEAD} when {@code block} is the head already (a
     *         double free, nothing changed), or {@link EncodedPage#REFUSED} when the page's heap was
     *         destroyed ({@link Page#seal}: nothing changed)
     */
    static int freeRemote(EncodedPage page, long block) {
        long tf;
        long next;
        boolean useDelayed;
        do {
            tf = page.getVolatileThreadFree();
            useDelayed = (tf & Page.STATE_MASK) == Page.USE_DELAYED_FREE;
            if (useDelayed) {
                if ((tf & Page.SEALED) != 0) {
                    return EncodedPage.REFUSED;
                }
                next = (tf & ~Page.STATE_MASK) | Page.DELAYED_FREEING;
            } else if ((tf & ~Page.STATE_MASK) == block) {
                return EncodedPage.AT_HEAD;
            } else {
                store(page, block, tf & ~Page.STATE_MASK);
                next = block | (tf & Page.STATE_MASK);
            }
        } while (!page.casThreadFree(tf, next));
        if (useDelayed) {
            PageOwner owner = page.getVolatileHeap();
            if (owner != null) {
                owner.casPushDelayedFree(block);
            }
            do {
                tf = page.getVolatileThreadFree();
            } while (!page.casThreadFree(tf, (tf & ~Page.STATE_MASK) | Page.NO_DELAYED_FREE));
        }
        return EncodedPage.PUSHED;
    }
}
