package dev.nalloc.core.heap;

import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.SegmentSpace;

/**
 * The fields of a {@link HeapSlot}, in two groups on cache lines of their own: {@link Shared}, what
 * other threads read (the owner, which every thread's fast path compares with itself when it meets
 * this slot in a lookup: the instance's claimed slot, a table entry), and {@link Own}, what the
 * owner writes on its slow paths ({@code busy} on every one, the free-path cache when its last
 * local free's segment changes). In one small object they shared a line, so every slow path of
 * the claimed slot's owner took that line from every other thread, whose next malloc or free
 * missed on the owner field (false sharing). As in {@code page.PageFields}, the JVM lays out a
 * superclass's fields before its subclass's, so the chain of classes is the layout, with
 * {@code byte} fields as padding before, between and after the groups ({@code HeapSlotLayoutTest}
 * checks the chain).
 */
final class HeapSlotFields {

    /** Bytes of padding around a group (a cache line). */
    static final int PAD = 64;

    private HeapSlotFields() {
    }

    /** Padding before {@link Shared}: the end of the object before this one in the Java heap is not on the owner's line. */
    abstract static class Lead {
        byte l00, l01, l02, l03, l04, l05, l06, l07, l08, l09, l10, l11, l12, l13, l14, l15;
        byte l16, l17, l18, l19, l20, l21, l22, l23, l24, l25, l26, l27, l28, l29, l30, l31;
        byte l32, l33, l34, l35, l36, l37, l38, l39, l40, l41, l42, l43, l44, l45, l46, l47;
        byte l48, l49, l50, l51, l52, l53, l54, l55, l56, l57, l58, l59, l60, l61, l62, l63;
    }

    /** What other threads read: the owner (changed only when the slot changes hands) and the final fields. */
    abstract static class Shared extends Lead {
        /**
         * The thread that may use this heap now, or null: reached only through the accessors below,
         * whose names say the memory ordering.
         */
        Thread owner;
        public final LocalHeap heap;
        /** The heap's direct page table ({@code direct[wsize]}), never replaced. */
        public final Page[] direct;
        /**
         * {@link #direct} typed, when the heap's pages are encoded (CHECKED and SECURE: the table is an
         * {@code EncodedPage[]}), else null: SECURE's malloc fast path reads its page from it with no
         * class check (see {@link FastSlots#ENCODED_DIRECTS}).
         */
        public final EncodedPage[] encodedDirect;
        /**
         * The {@link FastSlots} salt of the instance the slot belongs to ({@link FastSlots#NO_SALT} for
         * {@link HeapSlot#EMPTY}, whose instance is none or closed). Final, so that a thread that reads the
         * slot through a racy field (the instance's claimed slot) sees it exactly: the fast paths take
         * the salt from the claimed slot they have just loaded rather than from the instance, one
         * instruction less to a thread whose entry is in {@link FastSlots}, and nothing more for the
         * claimant. A salt of another live instance would make a thread's entry there look like its
         * entry here, so only a slot of the instance itself, or one with {@code NO_SALT}, is ever
         * claimed (AbstractAllocator.claim).
         */
        public final long salt;
        /** True for a shared heap's slot (a lease), false for a thread's own. */
        public final boolean lease;
        /** The space of the heap's thread data: a lease's segments are local to its owner through it. */
        final SegmentSpace space;

        Shared(Thread owner, LocalHeap heap, boolean lease, long salt) {
            this.owner = owner; // plain: published with the slot (by a release fence or a volatile write of whoever hands it on)
            this.heap = heap;
            this.direct = heap != null ? heap.directPages() : new Page[0];
            this.encodedDirect = direct instanceof EncodedPage[] e ? e : null;
            this.lease = lease;
            this.space = heap != null ? heap.tld.space : null;
            this.salt = salt;
        }
    }

    /** Padding after {@link Shared}. */
    abstract static class PadShared extends Shared {
        byte s00, s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, s12, s13, s14, s15;
        byte s16, s17, s18, s19, s20, s21, s22, s23, s24, s25, s26, s27, s28, s29, s30, s31;
        byte s32, s33, s34, s35, s36, s37, s38, s39, s40, s41, s42, s43, s44, s45, s46, s47;
        byte s48, s49, s50, s51, s52, s53, s54, s55, s56, s57, s58, s59, s60, s61, s62, s63;

        PadShared(Thread owner, LocalHeap heap, boolean lease, long salt) {
            super(owner, heap, lease, salt);
        }
    }

    /** What the owner writes (and the slow paths read). */
    abstract static class Own extends PadShared {
        /**
         * Nesting depth of the owner's calls beyond the fast paths (owner only). A lease is never taken
         * over while it is non-zero: a slow path may block (a contended monitor, class loading, the
         * error handler), which unmounts a virtual thread in the middle of its use of the heap.
         */
        int busy;
        /**
         * The cover array (page or span by slice) of the segment of the owner's last local free, or
         * {@link HeapSlot#NO_COVER} while there is none. The segment is local to this slot and never huge. The
         * free fast path takes the entry of an address's slice index ({@link HeapSlot#coverIndex}) whatever
         * segment the address lies in: {@link Page#isBlockStart} is exact (true only for a block start of
         * that very page), so an address of another segment fails it there and takes the slow path. The
         * cache stays safe after the segment goes back: a released segment's slices are all free spans,
         * which fail {@code isBlockStart} too.
         */
        Page[] lastFreeCover = HeapSlot.NO_COVER;
        /**
         * {@link #lastFreeCover} typed when it is an encoded segment's ({@code EncodedPage[]}), else
         * {@link EncodedPage#NO_COVER}: SECURE's free fast path reads its page from it with no class
         * check. Written with it, by the owner.
         */
        EncodedPage[] encodedFreeCover = EncodedPage.NO_COVER;
        /** Slow-path calls since this own slot last tried to enter the table (a colliding thread). */
        int misses;
        /** Slow-path calls since this own slot last tried to enter {@link FastSlots} (its entry taken). */
        int fastTries;
        /**
         * A lease: the id of the thread that took it over last, an order of recency (see
         * {@code ThreadHeaps.recentlyFreed}): ids grow with the threads' creation, so in a stream of
         * tasks the lease of the task started last has the highest. Not a shared counter: every take
         * would write one cache line that all carriers share.
         */
        long stamp;
        /** Its entry in {@link FastSlots}, or -1. */
        int fastIndex = -1;
        /** The lookup of the instance this slot belongs to (set when it first enters a table). */
        ThreadHeaps home;

        Own(Thread owner, LocalHeap heap, boolean lease, long salt) {
            super(owner, heap, lease, salt);
        }
    }

    /** Padding after {@link Own}: {@link HeapSlot} declares no fields of its own. */
    abstract static class Padded extends Own {
        byte o00, o01, o02, o03, o04, o05, o06, o07, o08, o09, o10, o11, o12, o13, o14, o15;
        byte o16, o17, o18, o19, o20, o21, o22, o23, o24, o25, o26, o27, o28, o29, o30, o31;
        byte o32, o33, o34, o35, o36, o37, o38, o39, o40, o41, o42, o43, o44, o45, o46, o47;
        byte o48, o49, o50, o51, o52, o53, o54, o55, o56, o57, o58, o59, o60, o61, o62, o63;

        Padded(Thread owner, LocalHeap heap, boolean lease, long salt) {
            super(owner, heap, lease, salt);
        }
    }
}
