package dev.nalloc.core;

import org.junit.jupiter.api.extension.ExtendWith;

/** The whole {@link AllocatorContractTest} on a FAST instance, each test on a new virtual thread: virtual threads leasing the shared heaps (the default policy). */
@ExtendWith(OnVirtualThread.class)
class VirtualContractTest extends AllocatorContractTest {
}
