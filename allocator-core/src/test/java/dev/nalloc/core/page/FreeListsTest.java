package dev.nalloc.core.page;

import dev.nalloc.core.memory.Mem;
import dev.nalloc.spi.FreeListEncoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static dev.nalloc.core.page.TestPages.freeLocal;
import static dev.nalloc.core.page.TestPages.pop;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The free-list lengths behind the per-bin totals ({@link FreeLists}): the length of {@code free}
 * comes from whichever owner list ends first, for every split of the free blocks between
 * {@code free} and {@code localFree}, with remote frees pending or not, on plain and encoded pages,
 * and a broken list still ends the walk.
 */
class FreeListsTest {

    private static final int BLOCK = 64;

    @RegisterExtension
    final TestPages pages = new TestPages();

    private Page page(boolean encoded) {
        Page p = pages.small(encoded ? new EncodedPage(null, 0) : new Page(null, 0), BLOCK);
        if (p instanceof EncodedPage e) {
            e.encodeLinks(FreeListEncoding.PLAIN, true, 0x243F6A8885A308D3L, 0x13198A2E03707344L, 0);
        }
        return p;
    }

    /**
     * A page with {@code carved} blocks carved, {@code live} of them handed out and kept,
     * {@code local} handed out and freed by the owner, {@code remote} handed out and freed by
     * another thread (pending on threadFree); the rest stays on {@code free}.
     */
    private Page shaped(boolean encoded, int carvedExtends, int live, int local, int remote) {
        Page p = page(encoded);
        for (int i = 0; i < carvedExtends; i++) {
            p.extend();
        }
        long[] taken = new long[live + local + remote];
        for (int i = 0; i < taken.length; i++) {
            taken[i] = pop(p);
        }
        for (int i = live; i < live + local; i++) {
            freeLocal(p, taken[i]);
        }
        for (int i = live + local; i < taken.length; i++) {
            if (p instanceof EncodedPage e) {
                assertEquals(EncodedPage.PUSHED, e.freeRemoteEncoded(taken[i]));
            } else {
                p.freeRemote(taken[i]);
            }
        }
        p.checkInvariants();
        return p;
    }

    @Test
    void freeLengthIsExactForEverySplitOfTheOwnerLists() {
        for (boolean encoded : new boolean[] {false, true}) {
            for (int[] shape : new int[][] {
                    {1, 0, 0, 0}, {1, 10, 0, 0}, {1, 10, 1, 0}, {1, 0, 1, 0}, {1, 63, 1, 0}, {1, 0, 64, 0},
                    {1, 20, 30, 0}, {2, 5, 100, 0}, {2, 100, 5, 7}, {1, 1, 1, 62}, {4, 0, 255, 0}, {4, 3, 40, 40}}) {
                Page p = shaped(encoded, shape[0], shape[1], shape[2], shape[3]);
                int onFree = p.listLength(p.free);
                String what = (encoded ? "encoded " : "plain ") + java.util.Arrays.toString(shape);
                assertEquals(onFree, FreeLists.freeLength(p), what);
                assertEquals(p.capacity - onFree, FreeLists.takeEnded(p), what);
            }
        }
    }

    @Test
    void aPageEmptiedByOneDelayedFreeIsCountedWithoutWalkingItsFreeList() {
        // The shape a delayed free leaves: the page's other blocks collected onto free, the one
        // delayed block on localFree, no block live.
        Page p = page(false);
        for (int i = 0; i < 16; i++) {
            p.extend();
        }
        long[] taken = new long[p.capacity];
        for (int i = 0; i < taken.length; i++) {
            taken[i] = pop(p);
        }
        for (int i = 1; i < taken.length; i++) {
            p.freeRemote(taken[i]);
        }
        p.collect(false);
        freeLocal(p, taken[0]);
        assertEquals(0, p.used);
        // Break the free list after its first block: a walk of it would end there and count one
        // block; the count that stops at localFree's end does not look that far.
        long second = Mem.load(p.free);
        Mem.store(second, 0x10);
        assertEquals(p.capacity - 1, FreeLists.freeLength(p));
        assertEquals(1, FreeLists.takeEnded(p));
    }

    @Test
    void aBrokenLinkEndsTheWalk() {
        Page p = shaped(false, 1, 10, 20, 0);
        Mem.store(p.localFree, 0x10); // localFree now ends after one block (the link leaves the page)
        long n = FreeLists.freeLength(p);
        assertEquals(p.capacity - p.used - 1, n, "approximate, from the one localFree block walked");
        Page q = shaped(false, 1, 10, 20, 0);
        Mem.store(q.free, 0x10);
        assertEquals(1, FreeLists.freeLength(q), "approximate: the free list ended after one block");
    }
}
