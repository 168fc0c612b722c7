package dev.nalloc.core.heap;

import org.junit.jupiter.api.Test;

import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where {@link FastSlots} puts a thread's entry: spread over cache lines, one entry per id modulo the size. */
class FastSlotsIndexTest {

    /** Entries per 64-byte cache line of the tables' arrays (4-byte compressed references at most: 16). */
    private static final int ENTRIES_PER_LINE = 16;

    @Test
    void successiveThreadIdsGetEntriesInDifferentCacheLines() {
        for (long salt : new long[] {0, 1, 17, FastSlots.NO_SALT, FastSlots.MASK}) {
            for (long id = 1; id < 3 * FastSlots.SIZE; id++) {
                int a = FastSlots.indexOf(id, salt);
                int b = FastSlots.indexOf(id + 1, salt);
                int distance = Math.floorMod(b - a, FastSlots.SIZE);
                assertTrue(distance >= ENTRIES_PER_LINE && FastSlots.SIZE - distance >= ENTRIES_PER_LINE,
                        "ids " + id + " and " + (id + 1) + " at entries " + a + " and " + b);
            }
        }
    }

    @Test
    void everyEntryBelongsToExactlyOneIdModuloTheSize() {
        for (long salt : new long[] {0, 5, FastSlots.NO_SALT}) {
            for (long base : new long[] {0, 1, 123_456_789L}) {
                BitSet seen = new BitSet(FastSlots.SIZE);
                for (long id = base; id < base + FastSlots.SIZE; id++) {
                    seen.set(FastSlots.indexOf(id, salt));
                }
                assertEquals(FastSlots.SIZE, seen.cardinality(), "a bijection of the id modulo the size");
            }
            for (long id = 1; id < 1000; id++) {
                assertEquals(FastSlots.indexOf(id, salt), FastSlots.indexOf(id + FastSlots.SIZE, salt),
                        "ids a multiple of the size apart share an entry");
            }
        }
    }

    @Test
    void theIndexOfAThreadIsTheIndexOfItsId() {
        Thread t = Thread.currentThread();
        for (long salt : new long[] {0, 7, FastSlots.NO_SALT}) {
            assertEquals(FastSlots.indexOf(t.threadId(), salt), FastSlots.index(t, salt));
        }
        Thread v = Thread.ofVirtual().unstarted(() -> { });
        assertEquals(FastSlots.indexOf(v.threadId(), 3), FastSlots.index(v, 3));
    }

    /** C2 turns a multiplication by a constant of two bits set into a shift and an add: the spread keeps three. */
    @Test
    void idSpreadStaysOneOddMultiplication() {
        assertEquals(1, FastSlots.ID_SPREAD & 1, "odd: a bijection modulo the size");
        assertTrue(Integer.bitCount(FastSlots.ID_SPREAD) >= 3, "at least three bits set: " + FastSlots.ID_SPREAD);
    }
}
