package dev.nalloc.spi.conformance;

import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.OsPrimitives.Allocation;
import dev.nalloc.spi.OsPrimitives.CommitResult;
import dev.nalloc.spi.OsPrimitives.DecommitResult;
import dev.nalloc.spi.OsPrimitives.MemoryConfig;
import dev.nalloc.spi.OsPrimitives.ProcessInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The conformance suite for {@link OsPrimitives} implementations: extend it, return the
 * implementation from {@link #os()}, and run it with JUnit 5. See the package documentation for
 * an example.
 *
 * <p>Every test is small and independent and gives back what it takes. Tests that read and write
 * the memory they get run only when {@link #realMemory()} is true; a simulated kernel (whose
 * addresses are not backed by memory) overrides it to false. The check that protected memory
 * really faults runs in a child JVM and can be switched off with {@link #canRunChildJvm()}.
 */
public abstract class OsPrimitivesConformance {

    static {
        JUnitAccess.openThisPackage();
    }

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    private static final long ABSURD_SIZE = 1L << 62;

    /** The implementation under test; may return the same instance every time. */
    protected abstract OsPrimitives os();

    /** Whether the addresses returned are real memory of this process that the tests may read and write. */
    protected boolean realMemory() {
        return true;
    }

    /** Whether the protection check may start a child JVM (it needs the provider on the class path). */
    protected boolean canRunChildJvm() {
        return realMemory();
    }

    /** Bytes of committed memory the resident-set test touches. */
    protected long rssProbeSize() {
        return 64 * MIB;
    }

    /** A view of native memory, for reading and writing (needs native access for this code's module). */
    @SuppressWarnings("restricted")
    protected MemorySegment memory(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    // ------------------------------------------------------------------ identity and configuration

    @Test
    void isSupportedAndNamed() {
        OsPrimitives os = os();
        assertTrue(os.support().supported(), () -> "not supported: " + os.support().reason());
        assertNotNull(os.support().reason());
        assertNotNull(os.name());
        assertFalse(os.name().isBlank(), "name() is blank");
    }

    @Test
    void memoryConfigIsSane() {
        MemoryConfig c = os().memoryConfig();
        assertAll(
                () -> assertTrue(c.pageSize() >= 4 * KIB && Long.bitCount(c.pageSize()) == 1,
                        "page size " + c.pageSize() + " is not a power of two >= 4 KiB"),
                () -> assertTrue(c.allocGranularity() >= c.pageSize() && c.allocGranularity() % c.pageSize() == 0
                                && Long.bitCount(c.allocGranularity()) == 1,
                        "granularity " + c.allocGranularity() + " is not a power-of-two multiple of the page size"),
                () -> assertTrue(c.largePageSize() == 0 || (c.largePageSize() > c.pageSize()
                                && c.largePageSize() % c.pageSize() == 0 && Long.bitCount(c.largePageSize()) == 1),
                        "large page size " + c.largePageSize()),
                () -> assertTrue(c.physicalMemory() > 0 || !realMemory(), "physical memory " + c.physicalMemory()),
                () -> assertTrue(c.virtualAddressBits() >= 32 && c.virtualAddressBits() <= 64,
                        "virtual address bits " + c.virtualAddressBits()));
    }

    @Test
    void memoryConfigIsStable() {
        assertEquals(os().memoryConfig(), os().memoryConfig());
    }

    // ------------------------------------------------------------------ virtual memory life cycle

    @Test
    void reserveCommitDecommitResetProtectFree() {
        OsPrimitives os = os();
        long size = unit(16);
        Allocation r = os.alloc(0, size, 0, false, false);
        assertOk(r, "reserve");
        assertEquals(size, r.size());
        assertFalse(r.large(), "a reservation without allowLarge used large pages");
        try {
            CommitResult c = os.commit(r.address(), size);
            assertOk(c.error(), "commit");
            if (realMemory() && (c.zero() || r.zero())) {
                assertZero(r.address(), size, "freshly committed memory claimed zero");
            }
            writeAndCheck(r.address(), size, 1);

            DecommitResult d = os.decommit(r.address(), size);
            assertOk(d.error(), "decommit");
            if (d.needsRecommit()) {
                CommitResult again = os.commit(r.address(), size);
                assertOk(again.error(), "recommit");
                if (realMemory() && again.zero()) {
                    assertZero(r.address(), size, "recommitted memory claimed zero");
                }
            }
            writeAndCheck(r.address(), size, 2);

            assertOk(os.reset(r.address(), size), "reset");
            assertOk(os.reuse(r.address(), size), "reuse");
            writeAndCheck(r.address(), size, 3);

            assertOk(os.protect(r.address(), size, true), "protect");
            assertOk(os.protect(r.address(), size, false), "unprotect");
            writeAndCheck(r.address(), size, 4);
        } finally {
            assertOk(os.free(r.address(), size), "free");
        }
    }

    @Test
    void discardKeepsCommittedMemoryUsableAndUncommittedMemoryReserved() {
        OsPrimitives os = os();
        long size = unit(16);
        Allocation r = os.alloc(0, size, 0, false, false);
        assertOk(r, "reserve");
        long half = size / 2;
        try {
            assertOk(os.commit(r.address(), half).error(), "commit");
            writeAndCheck(r.address(), half, 5);
            assertOk(os.discard(r.address(), size), "discard of a reservation committed in part");
            writeAndCheck(r.address(), half, 6); // still readable and writable, no commit needed
            assertOk(os.discard(r.address(), half), "discard of the committed part");
            writeAndCheck(r.address(), half, 7);
            assertOk(os.commit(r.address() + half, half).error(), "commit of the rest after a discard");
            writeAndCheck(r.address(), size, 8);
        } finally {
            assertOk(os.free(r.address(), size), "free after a discard");
        }
    }

    @Test
    void committedAllocationIsWritableAtOnceAndZeroAsClaimed() {
        OsPrimitives os = os();
        long size = unit(64);
        Allocation a = os.alloc(0, size, 0, true, false);
        assertOk(a, "alloc");
        try {
            if (realMemory() && a.zero()) {
                assertZero(a.address(), size, "alloc claimed zero");
            }
            writeAndCheck(a.address(), size, 5);
        } finally {
            assertOk(os.free(a.address(), size), "free");
        }
    }

    @Test
    void decommitOfPartOfACommittedRangeKeepsTheRest() {
        OsPrimitives os = os();
        long size = unit(4);
        long half = size / 2;
        Allocation a = os.alloc(0, size, 0, true, false);
        assertOk(a, "alloc");
        try {
            writePattern(a.address(), size, 6);
            DecommitResult d = os.decommit(a.address(), half);
            assertOk(d.error(), "decommit of the first half");
            checkPattern(a.address() + half, half, 6, "the second half after decommitting the first");
            if (d.needsRecommit()) {
                assertOk(os.commit(a.address(), half).error(), "recommit");
            }
            writeAndCheck(a.address(), half, 7);
        } finally {
            assertOk(os.free(a.address(), size), "free");
        }
    }

    @Test
    void partialFreeKeepsTheRestUsable() {
        OsPrimitives os = os();
        assumeTrue(os.memoryConfig().hasPartialFree(), "the OS cannot free part of a reservation");
        long g = unit(1);
        Allocation a = os.alloc(0, 3 * g, 0, true, false);
        assertOk(a, "alloc");
        assertOk(os.free(a.address() + g, g), "free of the middle part");
        writeAndCheck(a.address(), g, 8);
        writeAndCheck(a.address() + 2 * g, g, 9);
        assertOk(os.free(a.address(), g), "free of the head");
        assertOk(os.free(a.address() + 2 * g, g), "free of the tail");
    }

    @Test
    void largePagesWhenAllowedAreWritableOrDeclined() {
        OsPrimitives os = os();
        long large = os.memoryConfig().largePageSize();
        long size = large > 0 ? 2 * large : unit(16);
        long alignment = large > 0 ? large : 0;
        Allocation a = os.alloc(0, size, alignment, true, true);
        assertOk(a, "alloc with allowLarge");
        try {
            writeAndCheck(a.address(), size, 10);
        } finally {
            assertOk(os.free(a.address(), a.size()), "free");
        }
    }

    @Test
    void addressesAreMultiplesOfTheAllocationGranularity() {
        OsPrimitives os = os();
        long g = os.memoryConfig().allocGranularity();
        List<Allocation> taken = new ArrayList<>();
        try {
            for (long pages : new long[]{1, 2, 3, 5, 8}) {
                long size = roundUp(pages * os.memoryConfig().pageSize(), g);
                Allocation a = os.alloc(0, size, 0, false, false);
                assertOk(a, "alloc of " + size);
                taken.add(a);
                assertEquals(0, a.address() % g, "address " + Long.toHexString(a.address())
                        + " is not a multiple of the granularity " + g);
            }
        } finally {
            taken.forEach(a -> assertOk(os.free(a.address(), a.size()), "free"));
        }
    }

    @Test
    void allocationsDoNotOverlap() {
        OsPrimitives os = os();
        long size = unit(2);
        List<Allocation> taken = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                Allocation a = os.alloc(0, size, 0, false, false);
                assertOk(a, "alloc");
                for (Allocation b : taken) {
                    assertTrue(a.address() + a.size() <= b.address() || b.address() + b.size() <= a.address(),
                            "overlapping allocations");
                }
                taken.add(a);
            }
        } finally {
            taken.forEach(a -> assertOk(os.free(a.address(), a.size()), "free"));
        }
    }

    @Test
    @Timeout(60)
    void concurrentAllocationsAreDistinctAndUsable() throws Exception {
        OsPrimitives os = os();
        long size = unit(2);
        int threads = 4;
        int rounds = 64;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                Callable<long[]> task = () -> {
                    long[] kept = new long[rounds / 2];
                    for (int i = 0; i < rounds; i++) {
                        Allocation a = os.alloc(0, size, 0, true, false);
                        if (!a.ok()) {
                            throw new AssertionError("alloc failed: " + os.describeError(a.error()));
                        }
                        writeAndCheck(a.address(), size, seed * 1000 + i);
                        if (i % 2 == 0) {
                            kept[i / 2] = a.address();
                        } else if (os.free(a.address(), size) != 0) {
                            throw new AssertionError("free failed");
                        }
                    }
                    return kept;
                };
                results.add(pool.submit(task));
            }
            List<Long> all = new ArrayList<>();
            for (Future<long[]> f : results) {
                for (long address : f.get()) {
                    all.add(address);
                }
            }
            assertEquals(all.size(), all.stream().distinct().count(), "the same address was handed out twice");
            for (long address : all) {
                assertOk(os.free(address, size), "free");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ aligned allocation

    @ParameterizedTest(name = "alignment {0}")
    @ValueSource(longs = {64 * KIB, 128 * KIB, MIB, 2 * MIB, 4 * MIB, 32 * MIB})
    void allocAlignedIsAligned(long alignment) {
        OsPrimitives os = os();
        assumeTrue(alignment % os.memoryConfig().allocGranularity() == 0, "alignment below the granularity");
        checkAligned(os, alignment, false);
        checkAligned(os, alignment, true);
    }

    @ParameterizedTest(name = "alignment {0}")
    @ValueSource(longs = {64 * KIB, 2 * MIB, 32 * MIB})
    void defaultAlignedAllocationWithPartialFree(long alignment) {
        assumeTrue(os().memoryConfig().hasPartialFree(), "the OS cannot free part of a reservation");
        OsPrimitives viaDefault = new DefaultAlignedAllocation(os(), true);
        assumeTrue(alignment % viaDefault.memoryConfig().allocGranularity() == 0, "alignment below the granularity");
        checkAligned(viaDefault, alignment, true);
    }

    @ParameterizedTest(name = "alignment {0}")
    @ValueSource(longs = {64 * KIB, 2 * MIB, 32 * MIB})
    void defaultAlignedAllocationWithoutPartialFree(long alignment) {
        OsPrimitives viaDefault = new DefaultAlignedAllocation(os(), false);
        assumeTrue(alignment % viaDefault.memoryConfig().allocGranularity() == 0, "alignment below the granularity");
        checkAligned(viaDefault, alignment, true);
    }

    private void checkAligned(OsPrimitives os, long alignment, boolean commit) {
        long size = Math.max(alignment, unit(1));
        Allocation a = os.allocAligned(size, alignment, commit, false);
        assertOk(a, "allocAligned(" + size + ", " + alignment + ")");
        try {
            assertEquals(0, a.address() % alignment, "address 0x" + Long.toHexString(a.address())
                    + " is not aligned to " + alignment);
            assertTrue(a.size() >= size, "size " + a.size() + " < " + size);
            if (commit) {
                long page = os.memoryConfig().pageSize();
                writeAndCheck(a.address(), page, 11);
                writeAndCheck(a.address() + size - page, page, 12);
            }
        } finally {
            assertOk(os.free(a.address(), a.size()), "free of the aligned allocation");
        }
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void allocRefusesZeroNegativeAndAbsurdSizes() {
        OsPrimitives os = os();
        for (long size : new long[]{0, -1, -os.memoryConfig().pageSize(), ABSURD_SIZE, Long.MAX_VALUE}) {
            Allocation a = assertDoesNotThrow(() -> os.alloc(0, size, 0, false, false), "alloc(" + size + ")");
            assertRefused(a, "alloc(" + size + ")");
            Allocation c = assertDoesNotThrow(() -> os.alloc(0, size, 0, true, false), "alloc(" + size + ", commit)");
            assertRefused(c, "alloc(" + size + ", commit)");
        }
    }

    @Test
    void allocAlignedRefusesBadSizesAndAlignments() {
        OsPrimitives os = os();
        long g = os.memoryConfig().allocGranularity();
        assertRefused(assertDoesNotThrow(() -> os.allocAligned(0, g, false, false)), "allocAligned size 0");
        assertRefused(assertDoesNotThrow(() -> os.allocAligned(-g, g, false, false)), "allocAligned negative size");
        assertRefused(assertDoesNotThrow(() -> os.allocAligned(g, 3 * g, false, false)), "allocAligned alignment 3g");
        assertRefused(assertDoesNotThrow(() -> os.allocAligned(g, 0, false, false)), "allocAligned alignment 0");
        assertRefused(assertDoesNotThrow(() -> os.allocAligned(ABSURD_SIZE, g, false, false)), "allocAligned absurd size");
    }

    @Test
    void hugeOsPagesOfABadSizeAreRefused() {
        OsPrimitives os = os();
        assertRefused(assertDoesNotThrow(() -> os.allocHugeOsPages(0, 0, -1)), "allocHugeOsPages size 0");
        assertRefused(assertDoesNotThrow(() -> os.allocHugeOsPages(0, -(1L << 30), -1)), "allocHugeOsPages negative size");
        assertRefused(assertDoesNotThrow(() -> os.allocHugeOsPages(0, ABSURD_SIZE, -1)), "allocHugeOsPages absurd size");
    }

    @Test
    void operationsOnBadRangesAreRefusedAndChangeNothing() {
        OsPrimitives os = os();
        long page = os.memoryConfig().pageSize();
        long size = unit(4);
        Allocation a = os.alloc(0, size, 0, true, false);
        assertOk(a, "alloc");
        long p = a.address();
        try {
            writePattern(p, size, 13);
            List<Range> bad = List.of(
                    new Range(p + 1, page, "unaligned address"),
                    new Range(p + page / 2, page, "address in the middle of a page"),
                    new Range(p, 0, "zero size"),
                    new Range(p, -page, "negative size"),
                    new Range(p, 1, "size below a page"),
                    new Range(p, page + 1, "size not a multiple of the page size"),
                    new Range(p, ABSURD_SIZE, "absurd size"),
                    new Range(0, page, "address 0"));
            for (Range r : bad) {
                String what = " of " + r.what;
                assertRefused(assertDoesNotThrow(() -> os.commit(r.address, r.size)).error(), "commit" + what);
                assertRefused(assertDoesNotThrow(() -> os.decommit(r.address, r.size)).error(), "decommit" + what);
                assertRefused(assertDoesNotThrow(() -> os.reset(r.address, r.size)), "reset" + what);
                assertRefused(assertDoesNotThrow(() -> os.discard(r.address, r.size)), "discard" + what);
                assertRefused(assertDoesNotThrow(() -> os.protect(r.address, r.size, true)), "protect" + what);
                assertRefused(assertDoesNotThrow(() -> os.protect(r.address, r.size, false)), "unprotect" + what);
                assertRefused(assertDoesNotThrow(() -> os.free(r.address, r.size)), "free" + what);
                checkPattern(p, size, 13, "memory after a refused operation" + what);
            }
        } finally {
            assertOk(os.free(p, size), "free");
        }
    }

    private record Range(long address, long size, String what) {
    }

    // ------------------------------------------------------------------ huge pages, THP

    @Test
    void hugeOsPagesAreWritableOrRefusedWithAnErrorCode() {
        OsPrimitives os = os();
        long gib = 1L << 30;
        Allocation a = assertDoesNotThrow(() -> os.allocHugeOsPages(0, gib, -1));
        if (!a.ok()) {
            assertNotEquals(0, a.error(), "a failed huge page allocation without an error code");
            assertEquals(0, a.address());
            return;
        }
        try {
            assertTrue(a.size() >= gib);
            long page = os.memoryConfig().pageSize();
            writeAndCheck(a.address(), page, 14);
            writeAndCheck(a.address() + gib - page, page, 15);
        } finally {
            assertOk(os.free(a.address(), a.size()), "free of huge pages");
        }
    }

    @Test
    void hugeOsPagesOnTheCurrentNumaNodeAreWritableOrRefused() {
        OsPrimitives os = os();
        long gib = 1L << 30;
        Allocation a = assertDoesNotThrow(() -> os.allocHugeOsPages(0, gib, os.currentNumaNode()));
        if (!a.ok()) {
            assertNotEquals(0, a.error());
            return;
        }
        try {
            writeAndCheck(a.address(), os.memoryConfig().pageSize(), 16);
        } finally {
            assertOk(os.free(a.address(), a.size()), "free of huge pages");
        }
    }

    @Test
    void transparentHugePagesCanBeSwitchedOrRefused() {
        OsPrimitives os = os();
        int off = assertDoesNotThrow(() -> os.setTransparentHugePages(false));
        int on = assertDoesNotThrow(() -> os.setTransparentHugePages(true));
        assertEquals(off == 0, on == 0, "switching THP off and on again gave different answers: " + off + ", " + on);
    }

    // ------------------------------------------------------------------ NUMA, time, process, random, errors

    @Test
    void numaNodesAreInRange() {
        OsPrimitives os = os();
        int count = os.numaNodeCount();
        assertTrue(count >= 1, "numaNodeCount " + count);
        for (int i = 0; i < 10; i++) {
            int node = os.currentNumaNode();
            assertTrue(node >= 0 && node < count, "currentNumaNode " + node + " of " + count);
        }
    }

    @Test
    void osThreadIdIsStableOnAThreadAndDistinctBetweenLiveThreads() throws Exception {
        OsPrimitives os = os();
        long mine = os.osThreadId();
        assertEquals(mine, os.osThreadId(), "the same thread, the same identity");
        java.util.concurrent.CountDownLatch read = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        long[] other = new long[1];
        Thread t = new Thread(() -> {
            other[0] = os.osThreadId();
            read.countDown();
            try {
                done.await(); // stays alive while the identities are compared
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        try {
            read.await();
            if (mine != 0 || other[0] != 0) { // 0 from both: the layer cannot tell (the default)
                assertNotEquals(mine, other[0], "two live OS threads");
            }
        } finally {
            done.countDown();
            t.join();
        }
    }

    @Test
    void clockIsMonotonicAndAdvances() throws InterruptedException {
        OsPrimitives os = os();
        long first = os.clockNanos();
        long previous = first;
        for (int i = 0; i < 10_000; i++) {
            long now = os.clockNanos();
            assertTrue(now >= previous, "the clock went back from " + previous + " to " + now);
            previous = now;
        }
        Thread.sleep(5);
        assertTrue(os.clockNanos() - first >= 4_000_000, "5 ms of sleep did not advance the clock by 4 ms");
    }

    @Test
    void randomBytesFillTheBufferAndDiffer() {
        OsPrimitives os = os();
        byte[] a = new byte[64];
        byte[] b = new byte[64];
        assertOk(os.randomBytes(a), "randomBytes");
        assertOk(os.randomBytes(b), "randomBytes");
        assertFalse(Arrays.equals(a, b), "two calls gave the same 64 bytes");
        assertFalse(Arrays.equals(a, new byte[64]), "64 zero bytes");
        byte[] large = new byte[10_000];
        assertOk(os.randomBytes(large), "randomBytes of 10000 bytes");
        byte[] tail = Arrays.copyOfRange(large, large.length - 64, large.length);
        assertFalse(Arrays.equals(tail, new byte[64]), "the end of a large buffer was not filled");
        assertOk(os.randomBytes(new byte[0]), "randomBytes of an empty buffer");
    }

    @Test
    void processInfoIsPlausible() {
        OsPrimitives os = os();
        ProcessInfo p = os.processInfo();
        assertNotNull(p);
        assertAll(
                () -> assertTrue(p.elapsedMillis() >= -1),
                () -> assertTrue(p.userMillis() >= -1 && p.systemMillis() >= -1),
                () -> assertTrue(p.pageFaults() >= -1),
                () -> assertTrue(p.currentCommit() >= -1 && p.peakCommit() >= -1),
                () -> assertTrue(p.peakRss() == -1 || p.currentRss() == -1 || p.peakRss() >= p.currentRss(),
                        "peak RSS " + p.peakRss() + " < current RSS " + p.currentRss()));
        if (realMemory()) {
            assertTrue(p.currentRss() > 0, "current RSS " + p.currentRss() + " on a real OS");
            assertTrue(p.elapsedMillis() > 0, "elapsed " + p.elapsedMillis() + " ms on a real OS");
            assertTrue(p.userMillis() + p.systemMillis() > 0, "no CPU time used on a real OS");
        }
    }

    @Test
    void residentSetGrowsWhenCommittedMemoryIsTouched() {
        assumeTrue(realMemory(), "needs real memory");
        OsPrimitives os = os();
        long size = roundUp(rssProbeSize(), os.memoryConfig().allocGranularity());
        long page = os.memoryConfig().pageSize();
        Allocation a = os.alloc(0, size, 0, true, false);
        assertOk(a, "alloc of " + size);
        try {
            long before = os.processInfo().currentRss();
            MemorySegment m = memory(a.address(), size);
            for (long off = 0; off < size; off += page) {
                m.set(ValueLayout.JAVA_BYTE, off, (byte) 1);
            }
            long after = os.processInfo().currentRss();
            assertTrue(after - before >= size / 2, "touching " + size + " bytes grew the RSS by only "
                    + (after - before) + " (" + before + " -> " + after + ")");
        } finally {
            assertOk(os.free(a.address(), size), "free");
        }
    }

    @Test
    void residentBytesFollowTouchedAndDecommittedPagesOrAreUnknown() {
        OsPrimitives os = os();
        long page = os.memoryConfig().pageSize();
        long size = roundUp(64 * page, os.memoryConfig().allocGranularity());
        Allocation a = os.alloc(0, size, 0, true, false);
        assertOk(a, "alloc of " + size);
        try {
            long untouched = os.residentBytes(a.address(), size);
            assumeTrue(untouched >= 0, "this layer cannot tell resident bytes (-1)");
            assertTrue(untouched <= size, "resident " + untouched + " of a range of " + size);
            if (!realMemory()) {
                return;
            }
            MemorySegment m = memory(a.address(), size);
            for (long off = 0; off < size / 2; off += page) {
                m.set(ValueLayout.JAVA_BYTE, off, (byte) 1);
            }
            long touched = os.residentBytes(a.address(), size);
            assertTrue(touched >= size / 2 && touched <= size, "after touching half of " + size + " bytes: " + touched);
            DecommitResult d = os.decommit(a.address(), size / 2);
            assertOk(d.error(), "decommit");
            long after = os.residentBytes(a.address(), size);
            assertTrue(after >= 0 && after < touched, "decommitting the touched half left " + after + " of " + touched
                    + " resident");
        } finally {
            assertOk(os.free(a.address(), size), "free");
        }
    }

    @Test
    void errorsAreDescribed() {
        OsPrimitives os = os();
        for (int code : new int[]{0, 1, 12, 22, 87, 1455, 99_999, -5}) {
            String d = assertDoesNotThrow(() -> os.describeError(code));
            assertNotNull(d, "describeError(" + code + ")");
            assertFalse(d.isBlank(), "describeError(" + code + ") is blank");
        }
    }

    // ------------------------------------------------------------------ protection faults (child JVM)

    @Test
    @Timeout(120)
    void writingToProtectedMemoryKillsTheProcess() throws Exception {
        assumeTrue(canRunChildJvm(), "child JVM checks are disabled");
        ChildResult control = runProbe("control");
        assertEquals(0, control.exitCode, () -> "the unprotected control run failed: " + control);
        assertTrue(control.output.contains(ProtectedAccessProbe.SURVIVED), () -> control.toString());

        ChildResult crash = runProbe("protected");
        assertTrue(crash.output.contains(ProtectedAccessProbe.WRITING), () -> "the probe did not get to the write: " + crash);
        assertNotEquals(0, crash.exitCode, () -> "writing to protected memory did not kill the process: " + crash);
        assertFalse(crash.output.contains(ProtectedAccessProbe.SURVIVED), () -> crash.toString());
        assertTrue(FAULT_REPORTS.stream().anyMatch(crash.output::contains),
                () -> "the probe died without reporting a memory fault (one of " + FAULT_REPORTS + "): " + crash);
    }

    /**
     * What a JVM prints when a write faults: HotSpot's fatal error report names the signal (with
     * core dumps off it then exits with 1 rather than 134); a fault it turns into an
     * {@code InternalError} says so.
     */
    private static final List<String> FAULT_REPORTS = List.of("SIGSEGV", "SIGBUS", "fault occurred", "EXCEPTION_ACCESS_VIOLATION");

    private record ChildResult(int exitCode, String output) {
        @Override
        public String toString() {
            return "exit " + exitCode + ", output:\n" + output;
        }
    }

    private ChildResult runProbe(String mode) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("nalloc-probe");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-Xmx64m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:-CreateCoredumpOnCrash",
                "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
                "-cp", childClassPath(), ProtectedAccessProbe.class.getName(), os().name(), mode));
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("the probe JVM did not finish in 90 s: " + command);
            }
            return new ChildResult(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** Everything this JVM can see, as a plain class path: the module path (if any), then the class path. */
    private static String childClassPath() {
        List<String> parts = new ArrayList<>();
        for (String property : new String[]{"jdk.module.path", "java.class.path"}) {
            String value = System.getProperty(property);
            if (value != null && !value.isBlank()) {
                parts.add(value);
            }
        }
        return String.join(java.io.File.pathSeparator, parts);
    }

    // ------------------------------------------------------------------ helpers

    /** {@code n} allocation units: the granularity, at least 64 KiB. */
    private long unit(int n) {
        MemoryConfig c = os().memoryConfig();
        return n * roundUp(Math.max(64 * KIB, c.allocGranularity()), c.pageSize());
    }

    private static long roundUp(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    private void assertOk(Allocation a, String what) {
        assertTrue(a.ok() && a.address() != 0, () -> what + " failed: " + os().describeError(a.error()) + " " + a);
    }

    private void assertOk(int error, String what) {
        assertEquals(0, error, () -> what + " failed: " + os().describeError(error));
    }

    private static void assertRefused(Allocation a, String what) {
        assertNotEquals(0, a.error(), what + " was not refused: " + a);
        assertEquals(0, a.address(), what + " returned an address with an error");
        assertFalse(a.ok(), what);
    }

    private static void assertRefused(int error, String what) {
        assertNotEquals(0, error, what + " was not refused");
    }

    /** Writes a pattern over every page and reads it back (only with real memory). */
    private void writeAndCheck(long address, long size, int seed) {
        writePattern(address, size, seed);
        checkPattern(address, size, seed, "memory just written");
    }

    private void writePattern(long address, long size, int seed) {
        if (!realMemory()) {
            return;
        }
        MemorySegment m = memory(address, size);
        long page = os().memoryConfig().pageSize();
        for (long off = 0; off < size; off += page) {
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, off, pattern(seed, address + off));
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, off + page - 8, ~pattern(seed, address + off));
        }
    }

    private void checkPattern(long address, long size, int seed, String what) {
        if (!realMemory()) {
            return;
        }
        MemorySegment m = memory(address, size);
        long page = os().memoryConfig().pageSize();
        for (long off = 0; off < size; off += page) {
            long expected = pattern(seed, address + off);
            long o = off;
            Supplier<String> message = () -> what + ": wrong contents at offset " + o;
            assertEquals(expected, m.get(ValueLayout.JAVA_LONG_UNALIGNED, off), message);
            assertEquals(~expected, m.get(ValueLayout.JAVA_LONG_UNALIGNED, off + page - 8), message);
        }
    }

    /** A value that differs per seed and per address, so misplaced pages are noticed. */
    private static long pattern(int seed, long address) {
        return (seed * 0x9E3779B97F4A7C15L) ^ (address * 0xC2B2AE3D27D4EB4FL) | 1;
    }

    private void assertZero(long address, long size, String what) {
        byte[] zeros = new byte[(int) Math.min(size, os().memoryConfig().pageSize())];
        MemorySegment m = memory(address, size);
        for (long off = 0; off < size; off += zeros.length) {
            byte[] read = m.asSlice(off, zeros.length).toArray(ValueLayout.JAVA_BYTE);
            long o = off;
            assertArrayEquals(zeros, read, () -> what + ", but the page at offset " + o + " is not zero");
        }
    }
}
