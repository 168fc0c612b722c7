package dev.nalloc.core;

import dev.nalloc.api.Mode;
import org.junit.jupiter.api.extension.ExtendWith;

/** The whole {@link SecureContractTest} on a SECURE instance, each test on a new virtual thread: every virtual thread owning a heap ({@code everyThreadOwnsHeap}). */
@ContractAllocator.Config(mode = Mode.SECURE, everyThreadOwnsHeap = true)
@ExtendWith(OnVirtualThread.class)
class SecureVirtualOwnedContractTest extends SecureContractTest {
}
