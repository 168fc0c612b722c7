package dev.nalloc.core;

import dev.nalloc.api.Mode;
import dev.nalloc.spi.HeapSelectionPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** The whole {@link AllocatorContractTest} on a FAST instance, each test on a new virtual thread: every virtual thread owning a heap ({@code everyThreadOwnsHeap}). */
@ExtendWith(OnVirtualThread.class)
class VirtualOwnedContractTest extends AllocatorContractTest {

    @BeforeAll
    static void open() {
        a = TestAllocators.builder().mode(Mode.FAST).heapSelectionPolicy(HeapSelectionPolicy.everyThreadOwnsHeap()).build();
    }

    @AfterAll
    static void close() {
        a.close();
    }
}
