package dev.nalloc.core;

import dev.nalloc.api.Mode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The whole {@link AllocatorContractTest} on a SECURE instance. */
class SecureContractTest extends AllocatorContractTest {

    @BeforeAll
    static void open() {
        a = TestAllocators.builder().mode(Mode.SECURE).build();
    }

    @AfterAll
    static void close() {
        a.close();
    }
}
