package dev.nalloc.core.page;

import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.spi.FreeListEncoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.nalloc.core.page.TestPages.freeLocal;
import static dev.nalloc.core.page.TestPages.pop;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The encoded free lists of CHECKED and SECURE pages ({@link EncodedLists}) over plain native
 * memory: links are stored encoded and read back verified, a forged or overwritten link is never
 * followed, and a broken list is dropped with its blocks counted as used so the page stays sound.
 */
class EncodedListsTest {

    private static final long KEY0 = 0x243F6A8885A308D3L;
    private static final long KEY1 = 0x13198A2E03707344L;
    private static final int BLOCK = 64;

    @RegisterExtension
    final TestPages pages = new TestPages();

    /** A page of 64-byte blocks with links encoded by the keyed encoding, carved in address order unless {@code shuffle != 0}. */
    private EncodedPage page(long shuffle) {
        return page(FreeListEncoding.PLAIN, true, shuffle);
    }

    private EncodedPage page(FreeListEncoding codec, boolean keyed, long shuffle) {
        EncodedPage p = pages.small(new EncodedPage(null, 0), BLOCK);
        p.encodeLinks(codec, keyed, KEY0, KEY1, shuffle);
        return p;
    }

    @Test
    void linksAreStoredEncodedAndReadBackInAddressOrder() {
        EncodedPage p = page(0);
        assertTrue(p.isEncoded());
        p.extend();
        assertEquals(Layout.MAX_EXTEND_BYTES / BLOCK, p.capacity);
        long head = p.free;
        assertEquals(p.start, head, "no shuffle: the first block first");
        assertNotEquals(head + BLOCK, Mem.load(head), "the stored word is not the plain address");
        assertEquals(KeyedLinks.encode(head + BLOCK, head, KEY0, KEY1), Mem.load(head));
        for (int i = 0; i < p.capacity; i++) {
            long b = pop(p);
            assertEquals(p.start + (long) i * BLOCK, b);
            assertEquals(0, Mem.load(b), "a popped block's link word is cleared");
        }
        assertEquals(0, p.free);
        p.checkInvariants();
    }

    @Test
    void aCodecOtherThanTheKeyedOneIsCalledForEveryLink() {
        FreeListEncoding xor = new FreeListEncoding() {
            @Override
            public long encode(long next, long block, long key0, long key1) {
                return next ^ block ^ key0;
            }

            @Override
            public long decode(long stored, long block, long key0, long key1) {
                return stored ^ block ^ key0;
            }
        };
        EncodedPage p = page(xor, false, 0);
        p.extend();
        long head = p.free;
        assertEquals((head + BLOCK) ^ head ^ KEY0, Mem.load(head));
        assertEquals(head + BLOCK, p.nextFree(head));
        assertEquals(p.capacity, p.listLength(p.free));
    }

    @Test
    void aShuffledExtensionHandsOutEveryBlockOnceInANonAddressOrder() {
        EncodedPage p = page(0x9E3779B97F4A7C15L);
        p.extend(); // the first extension: one OS page of blocks
        p.extend(); // a page in use: wide runs
        int capacity = p.capacity;
        assertTrue(capacity > Layout.MAX_EXTEND_BYTES / BLOCK);
        List<Long> order = new ArrayList<>();
        while (p.free != 0) {
            order.add(pop(p));
        }
        assertEquals(capacity, order.size());
        Set<Long> distinct = new HashSet<>(order);
        assertEquals(capacity, distinct.size(), "no block twice");
        for (long b : order) {
            assertTrue(p.isCarvedBlock(b), "a carved block of the page");
        }
        List<Long> sorted = new ArrayList<>(order);
        sorted.sort(null);
        assertNotEquals(sorted, order, "shuffled");
        p.checkInvariants();
    }

    @Test
    void aLinkOverwrittenAfterFreeIsCaughtOnPopAndTheRestIsDroppedAsUsed() {
        EncodedPage p = page(0);
        p.extend();
        long a = pop(p);
        long b = pop(p);
        freeLocal(p, a); // localFree: a
        long victim = p.free; // the head of free, the next block to hand out
        Mem.store(victim, 0xDEADBEEFL); // a use-after-free write into a free block
        assertFalse(p.isValidLink(p.decodeAt(victim)), "the overwritten word does not decode to a block of the page");
        long got = pop(p);
        assertEquals(victim, got, "the block itself is still handed out");
        assertEquals(0, p.free, "the rest of free is dropped");
        assertEquals(victim, p.mode().brokenLink);
        assertEquals(p.capacity - 1, p.used, "every block but the one on localFree counts as used");
        p.checkInvariants();
        p.collect(false);
        assertEquals(a, p.free, "localFree still serves");
        assertEquals(b + BLOCK, victim);
    }

    @Test
    void aForgedLinkIsNeverFollowedOnAWalk() {
        EncodedPage p = page(0);
        p.extend();
        long head = p.free;
        long outside = p.start + Layout.SMALL_PAGE_SIZE + BLOCK;
        Mem.store(head, p.encodeLink(head, outside)); // a well-encoded link to memory beyond the page
        FreeListCorruption e = assertThrows(FreeListCorruption.class, () -> p.nextFree(head));
        assertSame(p, e.page());
        assertTrue(e.getMessage().contains(Long.toHexString(head)), e.getMessage());
        Mem.store(head, p.encodeLink(head, head + 1)); // inside the page, but not a block start
        assertThrows(FreeListCorruption.class, () -> p.nextFree(head));
        assertThrows(IllegalStateException.class, () -> p.listLength(head));
        assertFalse(p.onFreeLists(head + BLOCK), "a walk stops at the broken link");
    }

    @Test
    void remoteFreesAreEncodedAndCollected() {
        EncodedPage p = page(0);
        p.extend();
        long a = pop(p);
        long b = pop(p);
        long c = pop(p);
        assertEquals(EncodedPage.PUSHED, p.freeRemoteEncoded(a));
        assertEquals(EncodedPage.PUSHED, p.freeRemoteEncoded(b));
        assertEquals(b, p.threadFreeHead());
        assertEquals(KeyedLinks.encode(a, b, KEY0, KEY1), Mem.load(b), "thread-free links are encoded too");
        assertTrue(p.onFreeLists(a));
        assertTrue(p.onFreeLists(b));
        assertFalse(p.onFreeLists(c), "a live block is on no list");
        assertEquals(EncodedPage.AT_HEAD, p.freeRemoteEncoded(b), "the block on top already: a double free, nothing changed");
        assertEquals(3, p.used, "remote frees stay counted until collected");
        p.checkInvariants();
        assertEquals(2, p.collectThreadFree());
        assertEquals(1, p.used);
        assertEquals(0, p.threadFreeHead());
        assertEquals(b, p.localFree);
        p.checkInvariants();
    }

    @Test
    void aBrokenThreadFreeListIsReportedAndStaysCountedAsUsed() {
        EncodedPage p = page(0);
        p.extend();
        long a = pop(p);
        long b = pop(p);
        assertEquals(EncodedPage.PUSHED, p.freeRemoteEncoded(a));
        assertEquals(EncodedPage.PUSHED, p.freeRemoteEncoded(b));
        Mem.store(b, 12345); // written after the remote free
        FreeListCorruption e = assertThrows(FreeListCorruption.class, () -> p.collect(true));
        assertTrue(e.getMessage().contains("thread-free"), e.getMessage());
        assertEquals(0, p.threadFreeHead(), "the list was taken off the page before the walk");
        assertEquals(2, p.used, "its blocks stay counted as used: the page stays sound");
        p.checkInvariants();
    }

    @Test
    void aForcedCollectOfABrokenFreeListDropsItAndKeepsThePageSound() {
        EncodedPage p = page(0);
        p.extend();
        long a = pop(p);
        freeLocal(p, a);
        long second = p.free + BLOCK; // a block in the middle of free
        Mem.store(second, -1L);
        assertThrows(FreeListCorruption.class, () -> p.collect(true));
        assertEquals(a, p.free, "localFree is what is left to serve");
        assertEquals(0, p.localFree);
        p.checkInvariants();
    }
}
