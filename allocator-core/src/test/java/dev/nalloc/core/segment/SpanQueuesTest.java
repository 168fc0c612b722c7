package dev.nalloc.core.segment;

import dev.nalloc.core.memory.Layout;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpanQueuesTest {

    @Test
    void binsAreExactUpToEightThenLogarithmic() {
        for (int i = 1; i <= 8; i++) {
            assertEquals(i, SpanQueues.bin(i));
        }
        int prev = 8;
        for (int n = 9; n <= Layout.SLICES_PER_SEGMENT; n++) {
            int b = SpanQueues.bin(n);
            assertTrue(b >= prev);
            assertTrue(b < SpanQueues.BINS);
            prev = b;
        }
        assertEquals(SpanQueues.BINS - 1, SpanQueues.bin(Layout.SLICES_PER_SEGMENT));
    }
}
