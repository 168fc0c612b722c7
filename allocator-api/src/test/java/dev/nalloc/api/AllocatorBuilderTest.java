package dev.nalloc.api;

import dev.nalloc.spi.AllocatorConfig;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.FakeOsPrimitives;
import dev.nalloc.spi.FreeListEncoding;
import dev.nalloc.spi.HeapSelectionPolicy;
import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.PurgePolicy;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocatorBuilderTest {

    private final OsPrimitives os = new FakeOsPrimitives(4096, true);

    /** An implementation of a policy interface whose methods are never called here. */
    @SuppressWarnings("unchecked")
    private static <T> T unusedImplementationOf(Class<T> type) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (proxy, method, args) -> {
            if (method.getName().equals("toString")) {
                return "unused " + type.getSimpleName();
            }
            if (method.getName().equals("hashCode")) {
                return System.identityHashCode(proxy);
            }
            if (method.getName().equals("equals")) {
                return proxy == args[0];
            }
            throw new AssertionError("unexpected call " + method);
        });
    }

    @Test
    void configWithoutAnythingSetHoldsTheDefaults() {
        AllocatorConfig c = Allocator.builder().os(os).readEnvironment(false).config();
        assertSame(os, c.os());
        assertEquals(Mode.FAST, c.mode());
        assertEquals(OptionValues.defaults().with(java.util.Map.of(Option.MODE, 0L)), c.options());
        assertNull(c.errorHandler());
        assertNull(c.purgePolicy());
        assertNull(c.heapSelectionPolicy());
        assertNull(c.freeListEncoding());
        assertNull(c.name());
        assertFalse(c.global());
    }

    @Test
    void configCarriesEverythingSet() {
        ErrorHandler handler = ErrorHandler.capturing();
        PurgePolicy purge = unusedImplementationOf(PurgePolicy.class);
        HeapSelectionPolicy heaps = unusedImplementationOf(HeapSelectionPolicy.class);
        FreeListEncoding encoding = unusedImplementationOf(FreeListEncoding.class);
        AllocatorConfig c = Allocator.builder().os(os).readEnvironment(false)
                .option(Option.PURGE_DELAY, 0).option(Option.ARENA_RESERVE, 64L << 20)
                .mode(Mode.CHECKED).errorHandler(handler).purgePolicy(purge).heapSelectionPolicy(heaps)
                .freeListEncoding(encoding).name("mine").config();
        assertEquals(0, c.options().get(Option.PURGE_DELAY));
        assertTrue(c.options().isExplicit(Option.PURGE_DELAY));
        assertEquals(64L << 20, c.options().get(Option.ARENA_RESERVE));
        assertEquals(Mode.CHECKED, c.mode());
        assertEquals(Mode.CHECKED, c.options().mode(), "the MODE option follows the mode");
        assertSame(handler, c.errorHandler());
        assertSame(purge, c.purgePolicy());
        assertSame(heaps, c.heapSelectionPolicy());
        assertSame(encoding, c.freeListEncoding());
        assertEquals("mine", c.name());
    }

    @Test
    void theModeOptionSetsTheModeUnlessAModeIsGiven() {
        assertEquals(Mode.SECURE, Allocator.builder().os(os).readEnvironment(false)
                .option(Option.MODE, Mode.SECURE.ordinal()).config().mode());
        assertEquals(Mode.FAST, Allocator.builder().os(os).readEnvironment(false)
                .option(Option.MODE, Mode.SECURE.ordinal()).mode(Mode.FAST).config().mode());
    }

    @Test
    void theEnvironmentIsReadUnlessSwitchedOffAndBuilderOptionsWin() {
        String key = Option.PURGE_DELAY.systemProperty();
        System.setProperty(key, "77");
        try {
            assertEquals(77, Allocator.builder().os(os).config().options().get(Option.PURGE_DELAY));
            assertEquals(10, Allocator.builder().os(os).readEnvironment(false).config().options().get(Option.PURGE_DELAY));
            assertEquals(5, Allocator.builder().os(os).option(Option.PURGE_DELAY, 5).config().options().get(Option.PURGE_DELAY));
        } finally {
            System.clearProperty(key);
        }
    }

    @Test
    void theModePropertyIsRead() {
        String key = Option.MODE.systemProperty();
        System.setProperty(key, "secure");
        try {
            assertEquals(Mode.SECURE, Allocator.builder().os(os).config().mode());
        } finally {
            System.clearProperty(key);
        }
    }

    @Test
    void configWithoutAnOsLayerOnThePathFails() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Allocator.builder().config());
        assertTrue(e.getMessage().startsWith("no Nalloc OS layer found for "), e.getMessage());
    }

    @Test
    void nullsAreRefusedWithTheParameterName() {
        AllocatorBuilder b = Allocator.builder();
        assertEquals("os", assertThrows(NullPointerException.class, () -> b.os((OsPrimitives) null)).getMessage());
        assertEquals("option", assertThrows(NullPointerException.class, () -> b.option(null, 1)).getMessage());
        assertEquals("mode", assertThrows(NullPointerException.class, () -> b.mode(null)).getMessage());
        assertEquals("handler", assertThrows(NullPointerException.class, () -> b.errorHandler(null)).getMessage());
        assertEquals("policy", assertThrows(NullPointerException.class, () -> b.purgePolicy(null)).getMessage());
        assertEquals("policy", assertThrows(NullPointerException.class, () -> b.heapSelectionPolicy(null)).getMessage());
        assertEquals("encoding", assertThrows(NullPointerException.class, () -> b.freeListEncoding(null)).getMessage());
        assertEquals("name", assertThrows(NullPointerException.class, () -> b.name(null)).getMessage());
    }

    @Test
    void allocatorConfigRefusesMissingParts() {
        OptionValues v = OptionValues.defaults();
        assertEquals("os", assertThrows(NullPointerException.class,
                () -> new AllocatorConfig(null, v, Mode.FAST, null, null, null, null, null, false)).getMessage());
        assertEquals("options", assertThrows(NullPointerException.class,
                () -> new AllocatorConfig(os, null, Mode.FAST, null, null, null, null, null, false)).getMessage());
        assertEquals("mode", assertThrows(NullPointerException.class,
                () -> new AllocatorConfig(os, v, null, null, null, null, null, null, false)).getMessage());
    }
}
