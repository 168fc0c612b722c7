package dev.nalloc.core.check;

import dev.nalloc.core.memory.Mem;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The word-at-a-time canary and fill checks of CHECKED mode name exactly the first bad byte, at
 * every offset, for regions that are not whole words, and never write past their limit.
 */
class PatternsTest {

    @Test
    void canaryNamesEveryBadByteAndStaysInsideItsLimit() {
        Patterns patterns = new Patterns(0x1234_5678_9ABC_DEF0L);
        try (Arena arena = Arena.ofConfined()) {
            long base = arena.allocate(512, 8).address();
            for (int start = 0; start < 8; start++) { // unaligned region starts
                for (int length = 0; length <= 40; length++) {
                    long from = base + 16 + start;
                    long limit = from + length;
                    Mem.fill(base, 512, (byte) 0x5A);
                    patterns.writeCanary(from, limit);
                    assertEquals(-1, patterns.firstBadCanary(from, limit));
                    assertEquals((byte) 0x5A, Mem.loadByte(from - 1), "byte before the region");
                    assertEquals((byte) 0x5A, Mem.loadByte(limit), "byte after the region");
                    for (int bad = 0; bad < length; bad++) {
                        byte was = Mem.loadByte(from + bad);
                        Mem.storeByte(from + bad, (byte) ~was);
                        assertEquals(from + bad, patterns.firstBadCanary(from, limit), "start " + start + " length " + length);
                        Mem.storeByte(from + bad, was);
                    }
                }
            }
            // at most CANARY_MAX bytes are written and checked
            long from = base;
            Mem.fill(base, 512, (byte) 0x5A);
            patterns.writeCanary(from, from + 512);
            assertEquals((byte) 0x5A, Mem.loadByte(from + Patterns.CANARY_MAX));
            assertEquals(-1, patterns.firstBadCanary(from, from + 512));
            // every byte up to the last one is checked (the last word overlaps the one before when
            // the region does not start on a word), none after it
            for (long start : new long[]{from, from + 3}) {
                long end = start + Patterns.CANARY_MAX;
                Mem.fill(base, 512, (byte) 0x5A);
                patterns.writeCanary(start, start + 400);
                for (long bad = start; bad < end; bad++) {
                    byte was = Mem.loadByte(bad);
                    Mem.storeByte(bad, (byte) ~was);
                    assertEquals(bad, patterns.firstBadCanary(start, start + 400));
                    Mem.storeByte(bad, was);
                }
                Mem.storeByte(end, (byte) 0);
                assertEquals(-1, patterns.firstBadCanary(start, start + 400), "the byte after CANARY_MAX is not the canary's");
            }
        }
    }

    @Test
    void largeBlocksAreFilledAndCheckedOverTheirFirst64KiB() {
        long size = Patterns.FILL_MAX + 16 * 1024;
        try (Arena arena = Arena.ofConfined()) {
            long block = arena.allocate(size, 16).address();
            Mem.fill(block, size, (byte) 0x5A);
            Patterns.fillFreed(block, size);
            assertEquals((byte) 0x5A, Mem.loadByte(block + Patterns.FILL_MAX), "the fill stops at FILL_MAX");
            assertEquals(-1, Patterns.firstNotFreed(block, size));
            for (long bad : new long[]{8, 9, 1023, 1024, 4097, Patterns.FILL_MAX - 1}) {
                Mem.storeByte(block + bad, (byte) 0);
                assertEquals(bad, Patterns.firstNotFreed(block, size), "a bad byte at " + bad);
                assertEquals(bad, Patterns.checkFreedAndFillFresh(block, size));
                Patterns.fillFreed(block, size);
            }
            Mem.storeByte(block + Patterns.FILL_MAX, (byte) 0); // past the checked bytes
            assertEquals(-1, Patterns.checkFreedAndFillFresh(block, size));
            assertEquals(Patterns.FRESH, Mem.loadByte(block + Patterns.FILL_MAX - 1));
            assertEquals((byte) 0, Mem.loadByte(block + Patterns.FILL_MAX));
        }
    }

    @Test
    void freedFillCheckNamesTheFirstBadByteAndFillsFreshWhenIntact() {
        try (Arena arena = Arena.ofConfined()) {
            long block = arena.allocate(4096, 16).address();
            for (long size : new long[]{16, 24, 48, 80, 128, 1024, 2048, 4096}) {
                Patterns.fillFreed(block, size);
                assertEquals(-1, Patterns.checkFreedAndFillFresh(block, size));
                for (long i = 0; i < size; i++) {
                    assertEquals(Patterns.FRESH, Mem.loadByte(block + i), "size " + size + " byte " + i);
                }
                for (long bad = 8; bad < size; bad += bad < 64 ? 1 : 13) {
                    Patterns.fillFreed(block, size);
                    Mem.storeByte(block + bad, (byte) 0);
                    assertEquals(bad, Patterns.checkFreedAndFillFresh(block, size), "size " + size);
                    Patterns.fillFreed(block, size); // the block now mixes both fills: check the plain scan on a fresh copy
                    Mem.storeByte(block + bad, (byte) 0);
                    assertEquals(bad, Patterns.firstNotFreed(block, size), "size " + size);
                }
            }
        }
    }
}
