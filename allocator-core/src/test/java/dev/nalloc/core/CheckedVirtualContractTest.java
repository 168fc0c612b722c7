package dev.nalloc.core;

import dev.nalloc.api.Mode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** The whole {@link CheckedContractTest} on a CHECKED instance, each test on a new virtual thread: virtual threads leasing the shared heaps (the default policy). */
@ExtendWith(OnVirtualThread.class)
class CheckedVirtualContractTest extends CheckedContractTest {

    @BeforeAll
    static void open() {
        a = TestAllocators.builder().mode(Mode.CHECKED).build();
    }

    @AfterAll
    static void close() {
        a.close();
    }
}
