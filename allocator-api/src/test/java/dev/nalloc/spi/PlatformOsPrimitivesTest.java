package dev.nalloc.spi;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlatformOsPrimitivesTest {

    private static final OsPrimitives.MemoryConfig CONFIG =
            new OsPrimitives.MemoryConfig(16384, 0, 16384, 1L << 34, 47, true, true, true);

    /** The base's own behaviour only: the kernel operations are the subclass's business. */
    private static final class Layer extends PlatformOsPrimitives {
        final AtomicInteger detections = new AtomicInteger();

        Layer(Support support) {
            this("test", new Platform("TestOS", "amd64"), support);
        }

        Layer(String name, Platform platform, Support support) {
            super(name, 7, platform, support);
        }

        @Override
        protected MemoryConfig detectMemoryConfig() {
            detections.incrementAndGet();
            return CONFIG;
        }

        void kernelOperation() {
            requireSupported();
        }

        boolean pageRange(long address, long size) {
            return isPageRange(address, size);
        }

        Platform itsPlatform() {
            return platform();
        }

        java.security.SecureRandom random() {
            return fallbackRandom();
        }

        @Override
        public Allocation alloc(long hintAddress, long size, long tryAlignment, boolean commit, boolean allowLarge) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int free(long address, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CommitResult commit(long address, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DecommitResult decommit(long address, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int reset(long address, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int reuse(long address, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int protect(long address, long size, boolean protect) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int setTransparentHugePages(boolean enable) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Allocation allocHugeOsPages(long hintAddress, long size, int numaNode) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int numaNodeCount() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int currentNumaNode() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long clockNanos() {
            throw new UnsupportedOperationException();
        }

        @Override
        public ProcessInfo processInfo() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int randomBytes(byte[] buffer) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String describeError(int error) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void identityIsWhatItWasGiven() {
        Layer layer = new Layer(OsPrimitives.Support.yes());
        assertEquals("test", layer.name());
        assertEquals(7, layer.priority());
        assertEquals(OsPrimitives.Support.yes(), layer.support());
        assertEquals(new Platform("TestOS", "amd64"), layer.itsPlatform());
        assertEquals("Layer[TestOS/amd64, supported]", layer.toString());
    }

    @Test
    void theMemoryConfigIsDetectedOnceOnFirstUse() {
        Layer layer = new Layer(OsPrimitives.Support.yes());
        assertEquals(0, layer.detections.get());
        assertSame(CONFIG, layer.memoryConfig());
        assertSame(CONFIG, layer.memoryConfig());
        assertEquals(1, layer.detections.get());
    }

    @Test
    void anUnsupportedLayerRefusesWithItsNameAndReasonAndNeverDetects() {
        Layer layer = new Layer(OsPrimitives.Support.no("requires TestOS (running Linux/amd64)"));
        assertEquals("Layer[TestOS/amd64, requires TestOS (running Linux/amd64)]", layer.toString());
        String message = "the test OS layer is not supported here: requires TestOS (running Linux/amd64)";
        assertEquals(message, assertThrows(IllegalStateException.class, layer::kernelOperation).getMessage());
        assertEquals(message, assertThrows(IllegalStateException.class, layer::memoryConfig).getMessage());
        assertEquals(0, layer.detections.get());
    }

    @Test
    void aSupportedLayerPassesTheGuard() {
        new Layer(OsPrimitives.Support.yes()).kernelOperation();
    }

    @Test
    void pageRangesAreNonEmptyWholePagesAtAPageBoundary() {
        Layer layer = new Layer(OsPrimitives.Support.yes());
        assertTrue(layer.pageRange(0, 16384));
        assertTrue(layer.pageRange(1L << 30, 3 * 16384));
        assertFalse(layer.pageRange(1L << 30, 0));
        assertFalse(layer.pageRange(1L << 30, -16384));
        assertFalse(layer.pageRange(1L << 30, 4096), "a 4 KiB size on 16 KiB pages");
        assertFalse(layer.pageRange((1L << 30) + 4096, 16384), "an address off the page boundary");
    }

    @Test
    void theFallbackRandomIsMadeOnce() {
        Layer layer = new Layer(OsPrimitives.Support.yes());
        assertSame(layer.random(), layer.random());
    }

    @Test
    void everyPartIsRequired() {
        OsPrimitives.Support yes = OsPrimitives.Support.yes();
        Platform platform = new Platform("TestOS", "amd64");
        assertEquals("name", assertThrows(NullPointerException.class, () -> new Layer(null, platform, yes)).getMessage());
        assertEquals("platform", assertThrows(NullPointerException.class, () -> new Layer("test", null, yes)).getMessage());
        assertEquals("support", assertThrows(NullPointerException.class, () -> new Layer("test", platform, null)).getMessage());
    }
}
