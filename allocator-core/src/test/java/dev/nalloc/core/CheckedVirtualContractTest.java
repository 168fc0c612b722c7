package dev.nalloc.core;

import org.junit.jupiter.api.extension.ExtendWith;

/** The whole {@link CheckedContractTest} on a CHECKED instance, each test on a new virtual thread: virtual threads leasing the shared heaps (the default policy). */
@ExtendWith(OnVirtualThread.class)
class CheckedVirtualContractTest extends CheckedContractTest {
}
