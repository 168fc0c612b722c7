package dev.nalloc.os.windows;

import dev.nalloc.spi.OsPrimitives.Allocation;
import dev.nalloc.spi.Platform;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Windows layer over the simulated kernel: the effects of its calls, and every fallback. */
@SuppressWarnings("restricted") // views the memory the simulated kernel hands out
class WindowsOnSimulatedKernelTest {

    private static final long PAGE = 4096;
    private static final long G = 64 * 1024;
    private static final long MB2 = 2L << 20;
    private static final long GIB = 1L << 30;

    private SimulatedWindowsKernel kernel = new SimulatedWindowsKernel(SimulatedWindowsKernel.Config.standard());
    private WindowsOsPrimitives os = new WindowsOsPrimitives(new Platform("Windows 11", "amd64"), kernel);

    @AfterEach
    void close() {
        kernel.close();
    }

    private void use(SimulatedWindowsKernel.Config config) {
        kernel.close();
        kernel = new SimulatedWindowsKernel(config);
        os = new WindowsOsPrimitives(new Platform("Windows 11", "amd64"), kernel);
    }

    private static MemorySegment at(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    @Test
    void theConfigurationIsTheKernels() {
        var c = os.memoryConfig();
        assertEquals(PAGE, c.pageSize());
        assertEquals(G, c.allocGranularity());
        assertEquals(MB2, c.largePageSize());
        assertEquals(32L << 30, c.physicalMemory());
        assertEquals(47, c.virtualAddressBits());
        assertFalse(c.hasPartialFree());
        assertFalse(c.hasOvercommit());
    }

    @Test
    void reserveCommitDecommitFree() {
        Allocation a = os.alloc(0, 4 * G, 0, false, false);
        assertTrue(a.ok());
        assertFalse(kernel.isCommitted(a.address()));
        assertEquals(0, os.commit(a.address(), G).error());
        assertTrue(kernel.isCommitted(a.address() + G - PAGE));
        assertFalse(kernel.isCommitted(a.address() + G));
        var d = os.decommit(a.address(), G);
        assertEquals(0, d.error());
        assertTrue(d.needsRecommit());
        assertFalse(kernel.isCommitted(a.address()));
        assertEquals(0, os.free(a.address(), 4 * G));
        assertNull(kernel.reservationAt(a.address()));
    }

    @Test
    void discardResetsTheCommittedReadWritePagesAndLeavesTheRestAsItWas() {
        Allocation a = os.alloc(0, 4 * G, 0, false, false);
        assertEquals(0, os.commit(a.address(), 2 * G).error());
        assertEquals(0, os.protect(a.address() + G, PAGE, true)); // a guard page inside the committed part
        at(a.address(), 8).set(JAVA_LONG, 0, 42);
        assertEquals(0, os.discard(a.address(), 4 * G));
        assertEquals(0, at(a.address(), 8).get(JAVA_LONG, 0), "the contents were dropped");
        assertEquals(Win32.PAGE_READWRITE, kernel.protectionAt(a.address()), "still committed and accessible");
        assertEquals(Win32.PAGE_READWRITE, kernel.protectionAt(a.address() + 2 * G - PAGE));
        assertEquals(Win32.PAGE_NOACCESS, kernel.protectionAt(a.address() + G), "the guard page stays");
        assertFalse(kernel.isCommitted(a.address() + 2 * G), "the reserved part stays reserved");
        assertEquals(Win32.ERROR_INVALID_ADDRESS, os.discard(a.address() + 2 * G, 4 * G), "past the reservation");
        assertEquals(0, os.free(a.address(), 4 * G));
    }

    @Test
    void aPartialFreeIsRefusedAndReleasesNothing() {
        Allocation a = os.alloc(0, 4 * G, 0, true, false);
        assertEquals(Win32.ERROR_INVALID_PARAMETER, os.free(a.address(), 2 * G));
        assertEquals(Win32.ERROR_INVALID_ADDRESS, os.free(a.address() + G, 3 * G));
        assertEquals(Win32.ERROR_INVALID_PARAMETER, os.free(a.address(), 8 * G));
        assertNotNull(kernel.reservationAt(a.address()));
        assertTrue(kernel.isCommitted(a.address() + 3 * G));
        assertEquals(0, os.free(a.address(), 4 * G));
    }

    @Test
    void aFreeOfNeverReservedMemoryIsRefused() {
        Allocation a = os.alloc(0, G, 0, false, false);
        assertEquals(0, os.free(a.address(), G));
        assertEquals(Win32.ERROR_INVALID_ADDRESS, os.free(a.address(), G));
    }

    @Test
    void commitOfUnreservedMemoryReportsInvalidAddress() {
        Allocation a = os.alloc(0, G, 0, false, false);
        os.free(a.address(), G);
        assertEquals(Win32.ERROR_INVALID_ADDRESS, os.commit(a.address(), PAGE).error());
        assertEquals(Win32.ERROR_INVALID_ADDRESS, os.reset(a.address(), PAGE));
        assertEquals(Win32.ERROR_INVALID_ADDRESS, os.protect(a.address(), PAGE, true));
    }

    @Test
    void protectMakesPagesNoAccessAndBack() {
        Allocation a = os.alloc(0, G, 0, true, false);
        assertEquals(0, os.protect(a.address(), PAGE, true));
        assertEquals(Win32.PAGE_NOACCESS, kernel.protectionAt(a.address()));
        assertEquals(Win32.PAGE_READWRITE, kernel.protectionAt(a.address() + PAGE));
        assertEquals(0, os.protect(a.address(), PAGE, false));
        assertEquals(Win32.PAGE_READWRITE, kernel.protectionAt(a.address()));
        os.free(a.address(), G);
    }

    @Test
    void resetKeepsTheMemoryCommittedButDropsItsContents() {
        Allocation a = os.alloc(0, G, 0, true, false);
        at(a.address(), G).fill((byte) 4);
        assertEquals(0, os.reset(a.address(), G));
        assertTrue(kernel.isCommitted(a.address()));
        assertEquals(0, at(a.address(), G).get(JAVA_LONG, 0));
        assertEquals(0, os.reuse(a.address(), G));
        os.free(a.address(), G);
    }

    @Test
    void alignedReservationsTakeOneVirtualAlloc2Call() {
        for (long alignment : new long[]{4 * G, MB2, 32L << 20}) {
            int before = kernel.reserveCalls();
            Allocation a = os.allocAligned(2 * G, alignment, true, false);
            assertTrue(a.ok(), "allocAligned " + alignment + ": " + os.describeError(a.error()));
            assertEquals(0, a.address() % alignment);
            assertEquals(before + 1, kernel.reserveCalls(), "more than one reservation for an aligned one");
            assertEquals(0, os.free(a.address(), a.size()));
        }
    }

    @Test
    void alignedReservationsReReserveInsideAReleasedOverAllocation() {
        use(SimulatedWindowsKernel.Config.standard().withoutVirtualAlloc2());
        for (long alignment : new long[]{G, 4 * G, MB2, 32L << 20}) {
            Allocation a = os.allocAligned(2 * G, alignment, true, false);
            assertTrue(a.ok(), "allocAligned " + alignment + ": " + os.describeError(a.error()));
            assertEquals(0, a.address() % alignment);
            assertEquals(2 * G, kernel.reservedBytes(), "the over-allocation was left reserved");
            at(a.address(), 2 * G).set(JAVA_LONG, 2 * G - 8, 1);
            assertEquals(0, os.free(a.address(), a.size()));
            assertEquals(0, kernel.reservedBytes());
        }
    }

    @Test
    void largePagesWithThePrivilege() {
        Allocation a = os.alloc(0, 2 * MB2, MB2, true, true);
        assertTrue(a.ok() && a.large());
        assertTrue(kernel.lockMemoryEnabled());
        assertTrue(kernel.reservationAt(a.address()).large());
        assertEquals(0, kernel.openHandles(), "the token handle was not closed");
        assertEquals(0, os.free(a.address(), a.size()));
    }

    @Test
    void withoutThePrivilegeLargeRequestsFallBackToRegularPagesAndAskOnlyOnce() {
        use(SimulatedWindowsKernel.Config.standard().withLockMemoryGrantable(false));
        for (int i = 0; i < 3; i++) {
            Allocation a = os.alloc(0, 2 * MB2, MB2, true, true);
            assertTrue(a.ok());
            assertFalse(a.large());
            assertFalse(kernel.reservationAt(a.address()).large());
            assertEquals(0, os.free(a.address(), a.size()));
        }
        assertEquals(1, kernel.privilegeAdjustments());
        assertEquals(0, kernel.openHandles());
        assertEquals(Allocation.failed(Win32.ERROR_PRIVILEGE_NOT_HELD), os.allocHugeOsPages(0, GIB, -1));
    }

    @Test
    void withoutLargePageHardwareHugePagesAreNotSupported() {
        use(SimulatedWindowsKernel.Config.standard().withLargePageMinimum(0));
        assertEquals(0, os.memoryConfig().largePageSize());
        assertEquals(Allocation.failed(Win32.ERROR_NOT_SUPPORTED), os.allocHugeOsPages(0, GIB, -1));
        assertFalse(os.alloc(0, 2 * MB2, MB2, true, true).large());
    }

    @Test
    void hugePagesLandOnTheRequestedNode() {
        use(SimulatedWindowsKernel.Config.standard().withNumaNodes(2));
        assertEquals(2, os.numaNodeCount());
        Allocation a = os.allocHugeOsPages(0, GIB, 1);
        assertTrue(a.ok() && a.large(), os.describeError(a.error()));
        assertEquals(1, kernel.reservationAt(a.address()).node());
        assertEquals(0, os.free(a.address(), a.size()));
    }

    @Test
    void hugePagesOnAMissingNodeFallBackToAnyNode() {
        Allocation a = os.allocHugeOsPages(0, GIB, 3);
        assertTrue(a.ok() && a.large(), os.describeError(a.error()));
        assertEquals(-1, kernel.reservationAt(a.address()).node());
        assertEquals(0, os.free(a.address(), a.size()));
    }

    @Test
    void memoryOnlyNodesAtTheTopAreNotCounted() {
        use(SimulatedWindowsKernel.Config.standard().withNumaNodes(2).withMemoryOnlyNodes(2));
        assertEquals(2, os.numaNodeCount());
    }

    @Test
    void currentNumaNodeIsInRange() {
        use(SimulatedWindowsKernel.Config.standard().withNumaNodes(4));
        for (int i = 0; i < 8; i++) {
            int node = os.currentNumaNode();
            assertTrue(node >= 0 && node < 4);
        }
    }

    @Test
    void randomBytesSurviveAFailingBcrypt() {
        use(SimulatedWindowsKernel.Config.standard().withBcryptStatus(Win32.STATUS_INVALID_PARAMETER));
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        assertEquals(0, os.randomBytes(a));
        assertEquals(0, os.randomBytes(b));
        assertFalse(java.util.Arrays.equals(a, b));
    }

    @Test
    void processInfoCommitIsTheKernelsCommitCharge() {
        Allocation a = os.alloc(0, 16 * G, 0, true, false);
        var p = os.processInfo();
        assertEquals(kernel.committedBytes(), p.currentCommit());
        assertTrue(p.peakCommit() >= p.currentCommit());
        assertTrue(p.elapsedMillis() >= 0);
        os.free(a.address(), 16 * G);
    }
}
