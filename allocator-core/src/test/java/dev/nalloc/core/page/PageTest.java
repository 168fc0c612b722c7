package dev.nalloc.core.page;

import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.memory.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static dev.nalloc.core.page.TestPages.freeLocal;
import static dev.nalloc.core.page.TestPages.pop;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Free-list mechanics of one page over plain native memory (no heap, no OS layer needed). */
class PageTest {

    @RegisterExtension
    final TestPages pages = new TestPages();

    private Page page(long blockSize) {
        return pages.small(new Page(null, 0), blockSize);
    }

    @Test
    void extendCarvesAboutFourKiBLazily() {
        Page p = page(64);
        assertEquals(1024, p.reserved);
        assertEquals(0, p.capacity);
        p.extend();
        assertEquals(64, p.capacity, "4 KiB of 64-byte blocks");
        Page big = page(8192);
        big.extend();
        assertEquals(Layout.MIN_EXTEND_BLOCKS, big.capacity);
        big.extend();
        assertEquals(big.reserved, big.capacity, "never beyond reserved");
        p.checkInvariants();
        big.checkInvariants();
    }

    @Test
    void invariantHoldsThroughPopsLocalAndThreadFrees() {
        Page p = page(48);
        p.extend();
        long[] blocks = new long[40];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = pop(p);
            p.checkInvariants();
        }
        for (int i = 0; i < 10; i++) { // local frees
            freeLocal(p, blocks[i]);
        }
        p.checkInvariants();
        for (int i = 10; i < 20; i++) {
            p.freeRemote(blocks[i]);
        }
        p.checkInvariants();
        assertEquals(30, p.used, "remote frees stay counted until collected");
        p.collect(true);
        assertEquals(20, p.used);
        p.checkInvariants();
        assertEquals(Page.NO_DELAYED_FREE, p.delayedState());
    }

    @Test
    void collectMovesLocalFreesOnlyWhenFreeIsEmptyUnlessForced() {
        Page p = page(64);
        p.extend();
        long a = pop(p);
        freeLocal(p, a);
        p.collect(false);
        assertEquals(a, p.localFree, "free still has blocks: nothing moves");
        p.collect(true);
        assertEquals(0, p.localFree);
        p.checkInvariants();
    }

    @Test
    void collectEmptyTakesRemoteAndLocalFreesOnlyOnceFreeIsEmpty() {
        Page p = page(64);
        p.extend();
        long[] blocks = new long[3];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = pop(p);
        }
        freeLocal(p, blocks[0]); // a local free
        assertTrue(p.freeRemote(blocks[1]));
        assertEquals(0, p.collectEmpty(), "free still has blocks: nothing moves");
        assertEquals(blocks[0], p.localFree);
        assertEquals(2, p.used, "the remote free stays counted until collected");
        while (p.free != 0) {
            pop(p);
        }
        int used = p.used;
        assertEquals(1, p.collectEmpty(), "free is empty: the remote free is taken");
        assertEquals(used - 1, p.used);
        assertEquals(0, p.localFree, "and with it the local frees");
        long first = pop(p);
        long second = pop(p);
        assertTrue((first == blocks[0] && second == blocks[1]) || (first == blocks[1] && second == blocks[0]));
        assertEquals(0, p.free);
        p.checkInvariants();
    }

    @Test
    void collectForcedAppendsEveryFreeToANonEmptyFreeList() {
        Page p = page(64);
        p.extend();
        int carved = p.capacity;
        long a = pop(p);
        long b = pop(p);
        freeLocal(p, a);
        assertTrue(p.freeRemote(b));
        assertEquals(1, p.collectForced(), "the remote free is taken though free has blocks");
        assertEquals(0, p.localFree);
        assertEquals(0, p.used);
        int length = 0;
        for (long blk = p.free; blk != 0; blk = Mem.load(blk)) {
            length++;
        }
        assertEquals(carved, length, "every carved block is on the free list again");
        p.checkInvariants();
    }

    @Test
    void blockArithmeticHandlesInteriorAddresses() {
        Page p = page(80);
        assertEquals(p.start + 80, p.blockStartOf(p.start + 80));
        assertEquals(p.start + 80, p.blockStartOf(p.start + 159));
        assertEquals(818, p.blockIndexOf(p.start + 818 * 80 + 79));
        for (long off = 0; off < Layout.SMALL_PAGE_SIZE - 80; off += 7) {
            assertEquals(off / 80, p.blockIndexOf(p.start + off));
        }
        assertTrue(p.holds(p.start));
        assertTrue(!p.holds(p.start + p.areaSize()));
    }

    @Test
    void rewindEmptiesAPageThatOnlyAllocatedAndRefusesOtherwise() {
        Page p = page(64);
        p.extend();
        long a = pop(p);
        long b = pop(p);
        Mem.store(a, 12345); // user data over the old links
        Mem.store(b, 678);
        assertTrue(p.rewind());
        assertEquals(0, p.used);
        assertEquals(p.start, p.free);
        p.checkInvariants();
        assertEquals(a, pop(p), "blocks come back in address order");
        assertEquals(b, pop(p));
        freeLocal(p, a); // a local free: the page is no longer only allocating
        assertTrue(!p.rewind());
        p.collect(true);
        assertTrue(!p.rewind(), "after frees were collected the order is gone");
        p.reset();
        p.extend();
        assertEquals(Layout.MIN_EXTEND_BLOCKS, p.capacity, "after a reset only a few blocks are carved");
        p.checkInvariants();
    }

    /**
     * The gauges' view of a page: carved blocks not handed out count as live only on a small page
     * made fresh that is still pristine and has blocks in use (computed without branches).
     */
    @Test
    void accountedBlocksCountCarvedBlocksOnlyOnAFreshPristineSmallPage() {
        Page p = page(64);
        p.extend();
        assertEquals(0, p.accountedBlocks(), "no block in use: nothing counted");
        for (int i = 0; i < 5; i++) {
            pop(p);
        }
        assertEquals(p.capacity, p.accountedBlocks(), "5 used and the rest of the carved batch");
        freeLocal(p, p.start);
        assertEquals(4 + (p.capacity - 5), p.accountedBlocks(), "a local free leaves the free list in order");
        p.collect(true);
        assertEquals(4, p.accountedBlocks(), "collected frees end the address order: used only");
        p.extend();
        assertEquals(4, p.accountedBlocks(), "and it stays so");

        Page full = page(64);
        full.extend();
        while (full.free != 0) {
            pop(full);
        }
        assertEquals(full.capacity, full.accountedBlocks(), "an empty free list: used only");

        Page rewound = page(64);
        rewound.extend();
        pop(rewound);
        pop(rewound);
        assertTrue(rewound.rewind());
        pop(rewound);
        assertEquals(1, rewound.accountedBlocks(), "emptied in place: its carved blocks are left over, not counted");
        rewound.reset();
        rewound.extend();
        pop(rewound);
        assertEquals(1, rewound.accountedBlocks(), "after a reset too");

        Page medium = page(8192);
        medium.extend();
        pop(medium);
        assertEquals(1, medium.accountedBlocks(), "beyond the small sizes: used only");
    }

    @Test
    void aCorruptListIsDetected() {
        Page p = page(64);
        p.extend();
        long a = pop(p);
        Mem.store(a, a); // a cycle
        p.localFree = a;
        assertThrows(IllegalStateException.class, p::checkInvariants);
        p.localFree = 0;
    }

    @Test
    void remoteFreeIntoAFullPageGoesToTheDelayedPathState() {
        Page p = page(64);
        p.extend();
        long a = pop(p);
        p.useDelayedFree(Page.USE_DELAYED_FREE, false);
        assertEquals(Page.USE_DELAYED_FREE, p.delayedState());
        p.useDelayedFree(Page.NEVER_DELAYED_FREE, false);
        p.useDelayedFree(Page.USE_DELAYED_FREE, false);
        assertEquals(Page.NEVER_DELAYED_FREE, p.delayedState(), "never is kept unless overridden");
        p.freeRemote(a);
        assertNotEquals(0, p.threadFreeHead());
        p.checkInvariants();
    }

    @Test
    void aSealTakesTheThreadFreeListAndRefusesRemoteFreesUntilUnsealed() {
        Page p = page(64);
        p.extend();
        long[] b = new long[6];
        for (int i = 0; i < b.length; i++) {
            b[i] = pop(p);
        }
        assertTrue(p.freeRemote(b[0]));
        assertTrue(p.freeRemote(b[1]));
        assertEquals(2, p.seal(), "the remote frees that came before are taken");
        assertEquals(4, p.used);
        assertTrue(p.isSealed());
        assertEquals(0, p.threadFreeHead());
        assertFalse(p.freeRemote(b[2]), "refused once sealed");
        assertEquals(0, p.threadFreeHead());
        p.useDelayedFree(Page.USE_DELAYED_FREE, false);
        p.useDelayedFree(Page.NO_DELAYED_FREE, true);
        assertTrue(p.isSealed(), "the delayed-free state cannot lift a seal");
        assertFalse(p.freeRemote(b[2]));
        assertEquals(0, p.collectThreadFree());
        assertEquals(4, p.used);
        p.checkInvariants();
        p.reset();
        assertTrue(p.isSealed(), "emptying the page (destroy) keeps it sealed");
        p.unseal();
        assertFalse(p.isSealed());
        assertEquals(Page.NO_DELAYED_FREE, p.delayedState());
        p.extend();
        long c = pop(p);
        assertTrue(p.freeRemote(c));
        assertEquals(1, p.collectThreadFree());
        assertEquals(0, p.used);
        p.checkInvariants();
    }

    @Test
    void aSealOfAFullPageRefusesTheDelayedPathToo() {
        Page p = page(64);
        p.extend();
        long a = pop(p);
        long b = pop(p);
        p.useDelayedFree(Page.USE_DELAYED_FREE, false); // as in the full queue (no heap: the push goes nowhere)
        assertEquals(0, p.seal());
        assertFalse(p.freeRemote(a));
        assertFalse(p.freeRemote(b));
        assertEquals(2, p.used);
        p.unseal();
        assertTrue(p.freeRemote(a));
        assertEquals(1, p.collectThreadFree());
    }
}
