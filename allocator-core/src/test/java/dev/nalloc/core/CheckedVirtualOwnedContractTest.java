package dev.nalloc.core;

import dev.nalloc.api.Mode;
import org.junit.jupiter.api.extension.ExtendWith;

/** The whole {@link CheckedContractTest} on a CHECKED instance, each test on a new virtual thread: every virtual thread owning a heap ({@code everyThreadOwnsHeap}). */
@ContractAllocator.Config(mode = Mode.CHECKED, everyThreadOwnsHeap = true)
@ExtendWith(OnVirtualThread.class)
class CheckedVirtualOwnedContractTest extends CheckedContractTest {
}
