package dev.nalloc.api;

import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The arena methods added to {@link Allocator} are default methods: an implementation that does not
 * know them keeps compiling and refuses them with {@link UnsupportedOperationException}.
 */
class AllocatorArenaDefaultsTest {

    /** An allocator implementing none of the methods itself: only the defaults run. */
    private static Allocator bare() {
        InvocationHandler h = (proxy, method, args) -> {
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            throw new AssertionError("not part of this test: " + method.getName());
        };
        return (Allocator) Proxy.newProxyInstance(Allocator.class.getClassLoader(), new Class<?>[]{Allocator.class}, h);
    }

    @Test
    void theDefaultsRefuseWithTheMethodName() {
        Allocator a = bare();
        UnsupportedOperationException e1 = assertThrows(UnsupportedOperationException.class,
                () -> a.reserveOsMemory(1 << 25, true, true));
        assertTrue(e1.getMessage().startsWith("reserveOsMemory is not supported by "), e1.getMessage());
        UnsupportedOperationException e2 = assertThrows(UnsupportedOperationException.class,
                () -> a.manageOsMemory(1L << 25, 1L << 25, true, true, false, -1));
        assertTrue(e2.getMessage().startsWith("manageOsMemory is not supported by "), e2.getMessage());
        UnsupportedOperationException e3 = assertThrows(UnsupportedOperationException.class,
                () -> a.newHeapInArena(new ArenaId(1, 1L << 25, 1L << 25, true, -1)));
        assertTrue(e3.getMessage().startsWith("newHeapInArena is not supported by "), e3.getMessage());
    }

    @Test
    void anArenaIdIsAValue() {
        ArenaId id = new ArenaId(3, 1L << 25, 1L << 26, false, 1);
        assertEquals(new ArenaId(3, 1L << 25, 1L << 26, false, 1), id);
        assertEquals(1, id.numaNode());
    }
}
