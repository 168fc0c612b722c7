package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Option;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code destroy_on_exit}: a shutdown hook gives all memory back, live blocks included. */
class DestroyOnExitTest {

    @Test
    void theHookReleasesEverythingAndClosesTheInstance() {
        Allocator a = TestAllocators.builder().option(Option.DESTROY_ON_EXIT, 1).build();
        Engine engine = ((NallocAllocator) a).engine();
        Thread hook = engine.exitHook();
        assertTrue(hook != null && hook.getName().equals("nalloc-destroy-on-exit"));
        long live = a.malloc(1000);
        assertTrue(live != 0 && a.stats().reserved() > 0);
        hook.run(); // what the JVM runs at shutdown
        assertEquals(0, a.stats().reserved());
        assertEquals(0, a.stats().committed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.malloc(8));
        assertEquals("nalloc: the allocator is closed", e.getMessage());
        a.close(); // also unregisters the hook
        assertFalse(Runtime.getRuntime().removeShutdownHook(hook), "no longer registered");
    }

    @Test
    void closeUnregistersTheHook() {
        Allocator a = TestAllocators.builder().option(Option.DESTROY_ON_EXIT, 1).build();
        Thread hook = ((NallocAllocator) a).engine().exitHook();
        a.close();
        assertFalse(Runtime.getRuntime().removeShutdownHook(hook));
    }

    @Test
    void offByDefault() {
        try (Allocator a = TestAllocators.create()) {
            assertNull(((NallocAllocator) a).engine().exitHook());
        }
    }
}
