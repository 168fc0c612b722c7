package dev.nalloc.api;

import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Discovery when nothing but the API is on the path (as in this module's own tests). */
class ProvidersTest {

    private static final String NO_ENGINE =
            "no Nalloc engine found: add the artifact dev.nalloc:allocator-core to the class path or module path";

    @Test
    void buildingWithoutAnEngineNamesAllocatorCore() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Allocator.builder().os(new dev.nalloc.spi.FakeOsPrimitives(4096, true)).build());
        assertEquals(NO_ENGINE, e.getMessage());
    }

    @Test
    void buildingWithNothingAtAllStillNamesAllocatorCoreFirst() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Allocator.builder().build());
        assertEquals(NO_ENGINE, e.getMessage());
    }

    @Test
    void theGlobalAllocatorWithoutAnEngineFailsTheSameWayEveryTime() {
        for (int i = 0; i < 2; i++) {
            IllegalStateException e = assertThrows(IllegalStateException.class, Allocator::global);
            assertEquals(NO_ENGINE, e.getMessage());
        }
    }

    @Test
    void withoutAnOsLayerBestNamesTheArtifacts() {
        assertTrue(OsPrimitives.available().isEmpty(), "an OS layer is on the test path: " + OsPrimitives.available());
        IllegalStateException e = assertThrows(IllegalStateException.class, OsPrimitives::best);
        assertEquals("no Nalloc OS layer found for " + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
                + ": add dev.nalloc:allocator-os-linux, allocator-os-macos or allocator-os-windows to the class path"
                + " or module path", e.getMessage());
    }

    @Test
    void anUnknownNameListsWhatWasFound() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> OsPrimitives.named("plan9"));
        assertEquals("no OS primitives named 'plan9'; found: ", e.getMessage());
        assertEquals(e.getMessage(), assertThrows(IllegalStateException.class,
                () -> Allocator.builder().os("plan9")).getMessage());
    }

    @Test
    void supportFactories() {
        assertEquals(new OsPrimitives.Support(true, "supported"), OsPrimitives.Support.yes());
        assertEquals(new OsPrimitives.Support(false, "why"), OsPrimitives.Support.no("why"));
    }

    @Test
    void resultRecordsTellSuccess() {
        assertTrue(new OsPrimitives.Allocation(4096, 4096, false, true, 0).ok());
        assertEquals(false, new OsPrimitives.Allocation(0, 4096, false, true, 0).ok());
        assertEquals(false, new OsPrimitives.Allocation(4096, 4096, false, true, 12).ok());
        assertEquals(new OsPrimitives.Allocation(0, 0, false, false, 12), OsPrimitives.Allocation.failed(12));
        assertTrue(new OsPrimitives.CommitResult(0, true).ok());
        assertEquals(false, new OsPrimitives.CommitResult(12, false).ok());
        assertTrue(new OsPrimitives.DecommitResult(0, false).ok());
        assertEquals(false, new OsPrimitives.DecommitResult(22, true).ok());
    }
}
