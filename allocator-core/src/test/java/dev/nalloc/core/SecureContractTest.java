package dev.nalloc.core;

import dev.nalloc.api.Mode;

/** The whole {@link AllocatorContractTest} on a SECURE instance. */
@ContractAllocator.Config(mode = Mode.SECURE)
class SecureContractTest extends AllocatorContractTest {
}
