package dev.nalloc.core.page;

import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.Span;

/**
 * The fields of a {@link Page}, in three groups kept on cache lines of their own, because two
 * threads write a page at once: its owner on every malloc and local free, another thread on every
 * remote free. mimalloc keeps {@code free}, {@code used} and {@code xthread_free} in the same few
 * words of {@code mi_page_t}; then each remote free's compare-and-set takes the line from the owner,
 * and the owner's next malloc takes it back: two cache-line moves per block handed between threads.
 * Here the groups are
 * <ol>
 *   <li>{@link Shape}: what a page is (its block area, size, bin, heap, limits), set when the page
 *       is made or moves between queues and read by both threads (the free paths' block checks);</li>
 *   <li>{@link ThreadFreeWord}: the thread-free word, the only field another thread writes;</li>
 *   <li>{@link Owner}: the lists and counts its owner thread changes on every malloc and free.</li>
 * </ol>
 * Java lays a class's fields out after its superclass's (a subclass only fills holes the
 * superclass left), so the order is a chain of classes, with {@code byte} fields between the groups
 * as padding (bytes fill any hole first, so at least {@link #PAD} bytes lie between two groups) and
 * after the last one (the next object in the Java heap may be another page). The cost is about
 * 200 bytes of Java heap per page object ({@code PageLayoutTest} checks the distances).
 */
final class PageFields {

    /** Bytes of padding between two groups (more than a cache line). */
    static final int PAD = 64;

    private PageFields() {
    }

    /** What a page is: set when it is made (or moves into or out of the full queue); read by every thread. */
    abstract static class Shape extends Span {
        PageKind kind;
        long start;
        long blockSize;
        /** {@code ceil(2^40 / blockSize)}: block index of an offset without a division (offsets < 2^19). */
        long blockInverse;
        /** The inverse modulo 2^64 of the odd part of {@code blockSize} (see {@link Page#isBlockStart}). */
        long oddInverse;
        /** The number of trailing zero bits of {@code blockSize}. */
        int sizeShift;
        /**
         * While this is a page of blocks outside the full queue: {@code reserved} on FAST pages,
         * {@code capacity} on encoded ones (a block never carved is no block to free); else 0 (see
         * {@link Page#isBlockStart}).
         */
        int blockLimit;
        /** The blocks the page's area holds (a guard page may take the end of it: {@link Page#limitBlocks}). */
        int reserved;
        /** The bin (heap queue index) of a page, or the span-queue bin of a free span. */
        int bin;
        /** The tag of the heap that made the page (mimalloc's {@code page->heap_tag}; 0 for untagged heaps). */
        int tag;
        /** Some block was handed out at an interior (aligned) address: interior frees are allowed. */
        boolean hasAligned;
        volatile PageOwner heap;
        @SuppressWarnings("unused") // accessed through Page.HUGE_RELEASED
        volatile int hugeReleased;

        Shape(Segment segment, int sliceIndex) {
            super(segment, sliceIndex);
        }
    }

    /** Padding after {@link Shape}. */
    abstract static class PadShape extends Shape {
        byte s00, s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, s12, s13, s14, s15;
        byte s16, s17, s18, s19, s20, s21, s22, s23, s24, s25, s26, s27, s28, s29, s30, s31;
        byte s32, s33, s34, s35, s36, s37, s38, s39, s40, s41, s42, s43, s44, s45, s46, s47;
        byte s48, s49, s50, s51, s52, s53, s54, s55, s56, s57, s58, s59, s60, s61, s62, s63;

        PadShape(Segment segment, int sliceIndex) {
            super(segment, sliceIndex);
        }
    }

    /** The thread-free word: the field other threads write (one compare-and-set per remote free). */
    abstract static class ThreadFreeWord extends PadShape {
        /** The list of remote frees, the seal and the delayed-free state (see {@link Page#freeRemote}). */
        @SuppressWarnings("unused") // accessed through Page.THREAD_FREE
        volatile long threadFree;

        ThreadFreeWord(Segment segment, int sliceIndex) {
            super(segment, sliceIndex);
        }
    }

    /** Padding after {@link ThreadFreeWord}. */
    abstract static class PadThreadFree extends ThreadFreeWord {
        byte t00, t01, t02, t03, t04, t05, t06, t07, t08, t09, t10, t11, t12, t13, t14, t15;
        byte t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t27, t28, t29, t30, t31;
        byte t32, t33, t34, t35, t36, t37, t38, t39, t40, t41, t42, t43, t44, t45, t46, t47;
        byte t48, t49, t50, t51, t52, t53, t54, t55, t56, t57, t58, t59, t60, t61, t62, t63;

        PadThreadFree(Segment segment, int sliceIndex) {
            super(segment, sliceIndex);
        }
    }

    /** What the owner thread changes on every malloc and free (and on its slow paths). */
    abstract static class Owner extends PadThreadFree {
        long free;
        long localFree;
        int used;
        int capacity;
        /** The blocks on {@code free} read as zero apart from their link word. */
        boolean freeIsZero;
        /**
         * No block was ever freed back onto {@code free} since the page was made or emptied: the free
         * list is then exactly the carved blocks {@code [used, capacity)} in address order, and the
         * live blocks are {@code [0, used)} (see {@link Page#rewind}).
         */
        boolean pristine;
        /** The page is in its heap's full queue (see {@link Page#setInFull}). */
        boolean inFull;
        /** The next extension carves only a few blocks: the page was just emptied for a pooled heap. */
        boolean extendSmall;
        /**
         * 1 while the carved blocks not handed out yet count as live ({@link Page#accountedBlocks}), else 0:
         * 1 on a small plain (not encoded) page made fresh while it stays {@link #pristine}; 0 once it
         * was emptied in place (its carved blocks are then left from an earlier use, not a batch carved
         * for the allocations at hand) or stops being pristine. An int, not a boolean, so that
         * {@link Page#accountedBlocks} needs no branch (see there).
         */
        int carveAhead;
        int retireExpire;
        /**
         * The blocks this page contributes to its owner's gauges (see {@link Page#accountedBlocks}) as of
         * the owner's last slow-path look at it; owner thread only (statistics' peaks).
         */
        int seen;
        /**
         * Blocks given back wholesale by {@link Page#rewind} since the page was made: part of its bin's
         * allocated and freed totals. Kept here, not in the thread's per-bin counters, so that an arena
         * close pays one field update (the census adds it for live pages; {@code takeRewound} when the
         * page ends).
         */
        long rewound;
        /** Links in a heap's page queue, or in a span queue for a free span. */
        Page next;
        Page prev;

        Owner(Segment segment, int sliceIndex) {
            super(segment, sliceIndex);
        }
    }

    /** Padding after {@link Owner}: {@link Page} declares no fields of its own. */
    abstract static class Padded extends Owner {
        byte o00, o01, o02, o03, o04, o05, o06, o07, o08, o09, o10, o11, o12, o13, o14, o15;
        byte o16, o17, o18, o19, o20, o21, o22, o23, o24, o25, o26, o27, o28, o29, o30, o31;
        byte o32, o33, o34, o35, o36, o37, o38, o39, o40, o41, o42, o43, o44, o45, o46, o47;
        byte o48, o49, o50, o51, o52, o53, o54, o55, o56, o57, o58, o59, o60, o61, o62, o63;

        Padded(Segment segment, int sliceIndex) {
            super(segment, sliceIndex);
        }
    }
}
