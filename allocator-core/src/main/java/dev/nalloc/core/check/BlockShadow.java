package dev.nalloc.core.check;

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
 * engine (with {@code Page.shadow}) whenever it empties the page by itself. Frees on other threads
 * change states with a compare-and-set.
 */
public final class BlockShadow {

    /** A block that was never handed out since the page was made or emptied. */
    public static final long NEVER = 0;
    /** A block withheld for good after it was found corrupted while free. */
    public static final long QUARANTINED = Long.MIN_VALUE;
    private static final long GUARDED = 1L << 62;
    private static final long ADJUST_LIMIT = 1L << 30;
    private static final long END_LIMIT = 1L << 32;

    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(long[].class);

    /**
     * One entry per block: 0 never, {@link #QUARANTINED}, {@code -(adjust + 1)} freed, or live:
     * guarded bit 62, adjust (user address - block) in bits 32..61, end (user address + size -
     * block) + 1 in bits 0..31. A huge page (one block of any size) keeps live data in
     * {@link #wideAdjust} and {@link #wideEnd} and only a marker in its entry.
     */
    private final long[] entries;
    private final boolean wide;
    private long wideAdjust;
    private long wideEnd;

    private BlockShadow(Page page) {
        this.wide = page.kind == PageKind.HUGE;
        this.entries = new long[wide ? 1 : page.reserved];
    }

    /** The shadow of {@code page}, made now if it has none (owner thread). */
    public static BlockShadow of(Page page) {
        Object s = page.shadow;
        if (s == null) {
            s = new BlockShadow(page);
            page.shadow = s;
        }
        return (BlockShadow) s;
    }

    /** The shadow of {@code page}, or null when none of its blocks was handed out since it was made. */
    public static BlockShadow peek(Page page) {
        return (BlockShadow) page.shadow;
    }

    /** The raw state of block {@code index}. */
    public long state(int index) {
        return (long) ENTRY.getAcquire(entries, index);
    }

    public static boolean isLive(long state) {
        return state > 0;
    }

    public static boolean isFreed(long state) {
        return state < 0 && state != QUARANTINED;
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

    /** Records block {@code index} as handed out at {@code adjust} with {@code end - adjust} bytes (owner thread). */
    public void markLive(int index, long adjust, long end, boolean guarded) {
        long s;
        if (wide || adjust >= ADJUST_LIMIT || end + 1 >= END_LIMIT) {
            wideAdjust = adjust;
            wideEnd = end;
            s = 1;
        } else {
            s = (adjust << 32) | (end + 1);
        }
        ENTRY.setRelease(entries, index, guarded ? s | GUARDED : s);
    }

    /** Changes the requested end of a live block (realloc and expand in place; owner of the block). */
    public void resize(int index, long state, long end) {
        markLive(index, adjust(state), end, isGuarded(state));
    }

    /** Marks a live block freed; false when another free got there first. */
    public boolean markFreed(int index, long live) {
        return ENTRY.compareAndSet(entries, index, live, -(adjust(live) + 1));
    }

    /** Withholds block {@code index} for good. */
    public void quarantine(int index) {
        ENTRY.setRelease(entries, index, QUARANTINED);
    }

    /** Calls {@code action} with the index and state of every live block (the heap is being destroyed). */
    public void forEachLive(java.util.function.BiConsumer<Integer, Long> action) {
        for (int i = 0; i < entries.length; i++) {
            long s = state(i);
            if (isLive(s)) {
                action.accept(i, s);
            }
        }
    }
}
