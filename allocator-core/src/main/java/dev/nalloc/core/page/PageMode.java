package dev.nalloc.core.page;

import dev.nalloc.core.os.OsMemory;

/**
 * What a page of a CHECKED or SECURE instance carries beyond a FAST page (apart from the
 * encoding and keys of its links, which the page holds for SECURE's fast paths): the state of its
 * random carving order, the mode allocator's per-block state, a broken link found while popping,
 * and its guard page. A separate object, so that FAST pages carry little: they have none
 * ({@link Page#mode()} is null).
 */
public final class PageMode {

    /** The state of the random carving order (SECURE), or 0 to carve in address order. */
    long shuffle;
    /**
     * The most runs a random carving interleaves (see {@code EncodedLists.linkInterleaved}): 8, so
     * each next block is one of 8 candidates. More runs are shorter, and short runs defeat the
     * hardware prefetchers (docs/performance.md has the measurement). For the same reason a page's
     * later extensions give each run an OS page of its own.
     */
    static final int RUNS = 8;
    /** Scratch of the random carving: the next block and the blocks left of each run (null: address order). */
    final long[] runAt;
    final int[] runLeft;
    /**
     * A block whose link was found broken while popping it (0: none), for the mode allocator to
     * report. Plain, owner thread: {@link #brokenLink()}, {@link #takeBrokenLink()}.
     */
    long brokenLink;
    /**
     * SECURE: a block of this page was handed out with a guard page after it (guarded sampling),
     * so frees into the page take the slow path that lifts guards. Never cleared: the object goes
     * with the page.
     */
    private boolean hasGuarded; // plain: a thread that frees the block learnt of it after the owner set this
    /** The protected OS page at the end of the page's area (SECURE), or 0; lifted when the span is freed. */
    long guard;
    /** Who lifts the guard. */
    private OsMemory guardOs;

    /** The block whose link was found broken while popping it, or 0; a plain read (owner thread). */
    public long brokenLink() {
        return brokenLink;
    }

    /** The block whose link was found broken, or 0, and no broken link from now on; plain (owner thread), for its report. */
    public long takeBrokenLink() {
        long block = brokenLink;
        brokenLink = 0;
        return block;
    }

    /**
     * Whether a block of this page was handed out with a guard page after it (SECURE), a plain
     * read: a thread that frees such a block learnt of the block after the owner set this.
     */
    public boolean hasGuarded() {
        return hasGuarded;
    }

    /** A block of this page is about to be handed out with a guard page after it; a plain store (owner thread, before the block is out). */
    public void markGuarded() {
        hasGuarded = true;
    }

    /** The guard page's address, or 0. */
    long guard() {
        return guard;
    }

    /** Records the guard page {@code os} protected at {@code address}. */
    public void setGuard(long address, OsMemory os) {
        this.guard = address;
        this.guardOs = os;
    }

    /**
     * Makes the guard page ordinary memory again: the page stops being a page (its span is freed,
     * in a thread's space or in an abandoned segment), and the memory may serve any block after.
     *
     * @return null when done (or there is none), else why the OS would not (not reported yet): the
     *         guard stays recorded and the span must stay out of use
     */
    String liftGuard() {
        String failure = null;
        if (guard != 0) {
            failure = guardOs.unprotectQuietly(guard, guardOs.pageSize());
            if (failure == null) {
                guard = 0;
            } else {
                failedGuard = guard;
            }
        }
        if (stuckGuards != null) {
            int kept = 0;
            for (long g : stuckGuards) {
                String f = guardOs.unprotectQuietly(g, guardOs.pageSize());
                if (f != null) {
                    stuckGuards[kept++] = g;
                    if (failure == null) {
                        failure = f;
                        failedGuard = g;
                    }
                }
            }
            stuckGuards = kept == 0 ? null : java.util.Arrays.copyOf(stuckGuards, kept);
        }
        return failure;
    }

    /** Other guard pages inside the page's area the OS would not lift (guarded sampling), or null. */
    private long[] stuckGuards;
    /** The guard page the last failed {@link #liftGuard} was about (for its report). */
    private long failedGuard;

    /**
     * A guard page of a sampled block inside this page's area that the OS would not lift: the page
     * must not serve blocks again until {@link #liftGuard} lifts it too.
     */
    void addStuckGuard(long address, OsMemory os) {
        guardOs = os;
        failedGuard = address;
        stuckGuards = stuckGuards == null ? new long[]{address} : java.util.Arrays.copyOf(stuckGuards, stuckGuards.length + 1);
        stuckGuards[stuckGuards.length - 1] = address;
    }

    /** True while some guard page of the page is protected (recorded). */
    boolean hasGuards() {
        return guard != 0 || stuckGuards != null;
    }

    /** Reports a failure {@link #liftGuard} returned (after the span was put aside). */
    void reportStuck(String failure) {
        guardOs.reportUnprotect(failedGuard, guardOs.pageSize(), failure);
    }

    PageMode(long shuffle) {
        this.shuffle = shuffle;
        this.runAt = shuffle != 0 ? new long[RUNS] : null;
        this.runLeft = shuffle != 0 ? new int[RUNS] : null;
    }
}
