package dev.nalloc.core;

import org.junit.jupiter.api.extension.ExtendWith;

/** The whole {@link AllocatorContractTest} on a FAST instance, each test on a new virtual thread: every virtual thread owning a heap ({@code everyThreadOwnsHeap}). */
@ContractAllocator.Config(everyThreadOwnsHeap = true)
@ExtendWith(OnVirtualThread.class)
class VirtualOwnedContractTest extends AllocatorContractTest {
}
