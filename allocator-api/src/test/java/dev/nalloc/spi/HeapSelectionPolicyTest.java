package dev.nalloc.spi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeapSelectionPolicyTest {

    @Test
    void everyThreadOwnsHeapGivesPlatformAndVirtualThreadsHeapsOfTheirOwn() throws Exception {
        HeapSelectionPolicy p = HeapSelectionPolicy.everyThreadOwnsHeap();
        assertSame(p, HeapSelectionPolicy.everyThreadOwnsHeap());
        assertTrue(p.ownsHeap(Thread.currentThread()));
        boolean[] virtualOwns = new boolean[1];
        Thread vt = Thread.ofVirtual().start(() -> virtualOwns[0] = p.ownsHeap(Thread.currentThread()));
        vt.join();
        assertTrue(virtualOwns[0]);
        assertEquals(1, p.sharedHeapCount(), "a valid count even though no thread uses shared heaps");
        assertEquals(0, p.sharedHeapIndex(vt));
    }
}
