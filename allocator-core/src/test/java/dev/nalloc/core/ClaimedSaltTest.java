package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.core.heap.FastSlots;
import dev.nalloc.core.heap.HeapSlot;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast paths index {@link FastSlots} with the salt of the claimed slot ({@link HeapSlot#salt}),
 * not the instance's: it must be the instance's own salt from construction until close (before any
 * thread claimed the slot too, and when only leases, which are never claimed, use the instance),
 * and {@code NO_SALT} after close, in every mode.
 */
class ClaimedSaltTest {

    private static AbstractAllocator open(Mode mode) {
        return (AbstractAllocator) TestAllocators.builder().mode(mode).build();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void theClaimedSlotCarriesTheInstanceSaltFromTheStartToClose(Mode mode) throws Exception {
        AbstractAllocator a = open(mode);
        assertTrue(a.salt != HeapSlot.EMPTY.salt, "a fresh instance has a salt (EMPTY's is NO_SALT)");
        assertNull(a.claimed.getPlainOwner(), "nobody claimed yet");
        assertEquals(a.salt, a.claimed.salt, "the placeholder carries the instance's salt");
        a.free(a.malloc(64));
        Thread me = Thread.currentThread();
        assertSame(me, a.claimed.getPlainOwner());
        assertEquals(a.salt, a.claimed.salt);
        // A second thread finds its entry under the claimed slot's salt: the index its fast paths compute.
        AtomicReference<Thread> found = new AtomicReference<>();
        TestThreads.Running other = TestThreads.start(Thread.ofPlatform(), () -> {
            a.free(a.malloc(64));
            Thread t = Thread.currentThread();
            found.set(FastSlots.getPlainOwner(FastSlots.index(t, a.claimed.salt)));
        });
        other.join();
        assertSame(other.thread(), found.get(), "the second thread's entry is where its fast paths look");
        a.close();
        assertSame(HeapSlot.EMPTY, a.claimed);
        assertEquals(HeapSlot.EMPTY.salt, a.claimed.salt, "a closed instance's fast paths find no entry (NO_SALT)");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void virtualThreadsOnlyFindTheirEntriesUnderTheUnclaimedSlotsSalt(Mode mode) throws Exception {
        try (AbstractAllocator a = open(mode)) {
            AtomicReference<Thread> found = new AtomicReference<>();
            TestThreads.Running v = TestThreads.start(Thread.ofVirtual(), () -> {
                for (int i = 0; i < 100; i++) {
                    a.free(a.malloc(64));
                }
                Thread t = Thread.currentThread();
                found.set(FastSlots.getPlainOwner(FastSlots.index(t, a.claimed.salt)));
            });
            v.join();
            assertNull(a.claimed.getPlainOwner(), "a lease is never claimed");
            assertEquals(a.salt, a.claimed.salt);
            assertSame(v.thread(), found.get(), "the lease holder's entry is where its fast paths look");
        }
    }
}
