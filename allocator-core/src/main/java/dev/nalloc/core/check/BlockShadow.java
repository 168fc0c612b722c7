package dev.nalloc.core.check;

import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What a CHECKED or SECURE instance knows about each block of a page, kept in Java memory where
 * no stray write into native memory can reach it: never handed out, live (with the user address
 * inside the block, the requested size and whether a guard page follows), freed (with the user
 * address it had), or quarantined (found corrupted while free, never handed out again). A block
 * is handed out only when it is not live, and freed only when it is live: so double frees are
 * detected exactly, on any thread, and a block is never handed out twice.
 *
 * <p>Made on the page's owner thread when the page hands out its first block; dropped by the
 * engine (with {@code EncodedPage.setShadow}) whenever it empties the page by itself. Frees on other threads
 * change states with a compare-and-set.
 *
 * <p>Its Java memory is one word per block handed out so far, not per block the page could hold:
 * the entries cover the page's carved blocks and grow (doubling, up to the page's
 * {@code reserved}) when the owner hands out a block beyond them, so a page that serves a few
 * blocks costs under 200 bytes rather than up to 32 KiB. A growth copies the entries into a
 * larger array, sealing each old entry with an atomic swap ({@link #SEALED}) as it goes: a free on
 * another thread that meets a sealed entry (its compare-and-set fails) waits for the new array and
 * tries there, so no state change is lost.
 */
public final class BlockShadow {

    /** A block that was never handed out since the page was made or emptied. */
    public static final long NEVER = 0;
    /** A block withheld for good after it was found corrupted while free. */
    public static final long QUARANTINED = Long.MIN_VALUE;
    /** An entry of an array that a growth replaced: read the new one. */
    private static final long SEALED = Long.MIN_VALUE + 1;
    private static final long GUARDED = 1L << 62;
    private static final long ADJUST_LIMIT = 1L << 30;
    private static final long END_LIMIT = 1L << 32;
    /** Entries of a new shadow: a page that serves a few blocks keeps a few (they double as more are handed out). */
    private static final int MIN_ENTRIES = 16;

    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle ENTRIES;

    static {
        try {
            ENTRIES = MethodHandles.lookup().findVarHandle(BlockShadow.class, "entries", long[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * One entry per block: 0 never, {@link #QUARANTINED}, {@code -(adjust + 1)} freed, or live:
     * guarded bit 62, adjust (user address - block) in bits 32..61, end (user address + size -
     * block) + 1 in bits 0..31. A huge page (one block of any size) keeps live data in
     * {@link #wideAdjust} and {@link #wideEnd} and only a marker in its entry. Blocks beyond the
     * array's length read as {@link #NEVER}. Replaced (by the owner) only with a longer copy,
     * published with a release store: the owner reads it plainly, other threads with acquire.
     */
    @SuppressWarnings("unused") // also accessed through ENTRIES
    private long[] entries;
    /** The page's block count: the most entries there can be. */
    private final int limit;
    private final boolean wide;
    private long wideAdjust;
    private long wideEnd;

    private BlockShadow(Page page) {
        this.wide = page.kind() == PageKind.HUGE;
        this.limit = wide ? 1 : page.reserved();
        this.entries = new long[Math.min(limit, MIN_ENTRIES)];
    }

    /**
     * The Java heap has no room for a shadow or its growth (nothing changed): thrown, preallocated
     * and without a stack trace, so that the allocation path carries no test for it (a caller
     * catches it around the whole claim and reports).
     */
    public static final class NoJavaHeap extends RuntimeException {
        private NoJavaHeap() {
            super("no Java heap for CHECKED's block states", null, false, false);
        }
    }

    private static final NoJavaHeap NO_JAVA_HEAP = new NoJavaHeap();

    /**
     * The shadow of {@code page}, made now if it has none (owner thread).
     *
     * @throws NoJavaHeap when the Java heap has no room for it (nothing changed)
     */
    public static BlockShadow of(Page page) {
        Object s = ((EncodedPage) page).shadow();
        if (s == null) {
            return make(page);
        }
        return (BlockShadow) s;
    }

    private static BlockShadow make(Page page) {
        BlockShadow s;
        try {
            s = new BlockShadow(page);
        } catch (OutOfMemoryError e) {
            throw NO_JAVA_HEAP;
        }
        ((EncodedPage) page).setShadow(s);
        return s;
    }

    /** The shadow of {@code page}, or null when none of its blocks was handed out since it was made. */
    public static BlockShadow peek(Page page) {
        return (BlockShadow) ((EncodedPage) page).shadow();
    }

    /** The raw state of block {@code index} (owner thread; other threads: {@link #getAcquireSettledState}). */
    public long getAcquireState(int index) {
        long[] e = entries;
        return index < e.length ? (long) ENTRY.getAcquire(e, index) : NEVER;
    }

    /** The state of block {@code index} on any thread: as {@link #getAcquireState}, waiting out a growth. */
    public long getAcquireSettledState(int index) {
        long[] e = published();
        while (true) {
            if (index >= e.length) {
                return NEVER;
            }
            long s = (long) ENTRY.getAcquire(e, index);
            if (s != SEALED) {
                return s;
            }
            e = newerThan(e);
        }
    }

    /** The entries that replaced {@code old} (a growth on the owner thread is under way or done). */
    private long[] newerThan(long[] old) {
        long[] e;
        while ((e = published()) == old) {
            Thread.onSpinWait();
        }
        return e;
    }

    /**
     * The entries, covering block {@code index} (owner thread, before a block is handed out: grown
     * if they did not), for {@link #getAcquireStateIn} and {@link #setReleaseLiveIn}.
     *
     * @throws NoJavaHeap when the Java heap has no room for the larger array (nothing changed)
     */
    public long[] covering(int index) {
        long[] e = entries;
        return index < e.length ? e : grow(index);
    }

    private long[] grow(int index) {
        long[] old = entries;
        long[] bigger;
        try {
            bigger = new long[Math.min(limit, Math.max(index + 1, old.length * 2))];
        } catch (OutOfMemoryError e) {
            throw NO_JAVA_HEAP;
        }
        for (int i = 0; i < old.length; i++) {
            bigger[i] = (long) ENTRY.getAndSet(old, i, SEALED);
        }
        ENTRIES.setRelease(this, bigger);
        return bigger;
    }

    /** The entries as any thread sees them (acquire: the contents of a grown array come with it). */
    private long[] published() {
        return (long[]) ENTRIES.getAcquire(this);
    }

    /**
     * The entries for the free fast path, on any thread: read plainly, as the entries were when the
     * shadow could not grow (a final field). A thread may then see a stale array, or a new one
     * before its copied words: it reads a sealed entry or no live block and takes the slow path,
     * which waits for the growth ({@link #getAcquireSettledState}); and a state it acts on is confirmed by the
     * compare-and-set of {@link #casFreedIn}, which fails on anything but the current word.
     */
    public long[] getPlainEntries() {
        return entries;
    }

    /**
     * The state of block {@code index} in {@code e} (from {@link #getPlainEntries} or {@link #covering}); a
     * block beyond them was never handed out; a sealed entry (a growth under way, other threads
     * only) reads as no live block.
     */
    public static long getAcquireStateIn(long[] e, int index) {
        return index < e.length ? (long) ENTRY.getAcquire(e, index) : NEVER;
    }

    /** {@link #getAcquireStateIn} of a block the entries cover ({@link #covering} said so: owner thread). */
    public static long getAcquireCoveredState(long[] e, int index) {
        return (long) ENTRY.getAcquire(e, index);
    }

    /** Entries held now (Java memory: 8 bytes each). */
    int capacity() {
        return entries.length;
    }

    public static boolean isLive(long state) {
        return state > 0;
    }

    public static boolean isFreed(long state) {
        return state < 0 && state != QUARANTINED && state != SEALED;
    }

    /** The user address's offset in the block of a live state. */
    public long adjust(long state) {
        return wide ? wideAdjust : (state >>> 32) & (ADJUST_LIMIT - 1);
    }

    /** The offset of the end of the requested bytes in the block, for a live state. */
    public long end(long state) {
        return wide ? wideEnd : (state & (END_LIMIT - 1)) - 1;
    }

    /** The requested size of a live block. */
    public long size(long state) {
        return end(state) - adjust(state);
    }

    public static boolean isGuarded(long state) {
        return (state & GUARDED) != 0;
    }

    /** The offset the user address had, for a freed state. */
    public long freedAdjust(long state) {
        return -state - 1;
    }

    /** Records block {@code index} as handed out (owner thread; see {@link #setReleaseLiveIn}). */
    public void setReleaseLive(int index, long adjust, long end, boolean guarded) {
        setReleaseLiveIn(entries, index, adjust, end, guarded);
    }

    /**
     * Records block {@code index} as handed out at {@code adjust} with {@code end - adjust} bytes,
     * in the entries {@link #covering} returned (owner thread).
     */
    public void setReleaseLiveIn(long[] e, int index, long adjust, long end, boolean guarded) {
        long s;
        if (wide || adjust >= ADJUST_LIMIT || end + 1 >= END_LIMIT) {
            wideAdjust = adjust;
            wideEnd = end;
            s = 1;
        } else {
            s = (adjust << 32) | (end + 1);
        }
        ENTRY.setRelease(e, index, guarded ? s | GUARDED : s);
    }

    /** Changes the requested end of a live block (realloc and expand in place; owner of the block). */
    public void resize(int index, long state, long end) {
        setReleaseLive(index, adjust(state), end, isGuarded(state));
    }

    /** Marks a live block freed (any thread); false when another free got there first. */
    public boolean casFreed(int index, long live) {
        return casFreedIn(published(), index, live);
    }

    /** {@link #casFreed} in the entries {@code live} was read from ({@link #getPlainEntries}). */
    public boolean casFreedIn(long[] e, int index, long live) {
        long freed = -(adjust(live) + 1);
        return ENTRY.compareAndSet(e, index, live, freed) || casFreedMoved(e, index, live, freed);
    }

    /** {@link #casFreed} after a failed compare-and-set: retried in the new array if the entry was sealed. */
    private boolean casFreedMoved(long[] e, int index, long live, long freed) {
        while ((long) ENTRY.getVolatile(e, index) == SEALED) {
            e = newerThan(e);
            if (ENTRY.compareAndSet(e, index, live, freed)) {
                return true;
            }
        }
        return false;
    }

    /** Withholds block {@code index} for good (owner thread, after {@link #covering}). */
    public void setReleaseQuarantined(int index) {
        ENTRY.setRelease(entries, index, QUARANTINED);
    }

    /** Calls {@code action} with the index and state of every live block (owner thread: the heap is being destroyed). */
    public void forEachLive(java.util.function.BiConsumer<Integer, Long> action) {
        long[] e = entries;
        for (int i = 0; i < e.length; i++) {
            long s = (long) ENTRY.getAcquire(e, i);
            if (isLive(s)) {
                action.accept(i, s);
            }
        }
    }
}
