package dev.nalloc.core.arena;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.ArenaId;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Option;
import dev.nalloc.core.SimulatedOs;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code reserveOsMemory}, {@code manageOsMemory} and {@code newHeapInArena}, with their misuse. */
class ReservedArenaTest {

    private static final long MIB = 1L << 20;
    private static final long BLOCK = MemoryArena.BLOCK_SIZE;

    private static boolean inside(ArenaId id, long p, long size) {
        return p >= id.address() && p + size <= id.address() + id.size();
    }

    @Test
    void reserveOsMemoryRoundsUpToWholeBlocksAndNamesTheArena() {
        try (Allocator a = TestAllocators.create()) {
            ArenaId id = a.reserveOsMemory(40 * MIB, false, true);
            assertEquals(2 * BLOCK, id.size(), "rounded up to 32 MiB blocks");
            assertEquals(0, id.address() % BLOCK);
            assertTrue(id.exclusive());
            assertEquals(-1, id.numaNode());
            assertTrue(id.id() > 0);
            assertNotEquals(id.id(), a.reserveOsMemory(1, true, true).id(), "ids are unique");
            assertTrue(a.stats().reserved() >= 3 * BLOCK);
        }
    }

    @Test
    void aHeapInAnExclusiveArenaAllocatesOnlyThereAndOthersNever() {
        try (Allocator a = TestAllocators.create()) {
            ArenaId id = a.reserveOsMemory(2 * BLOCK, true, true);
            Heap h = a.newHeapInArena(id);
            long small = h.malloc(100);
            long large = h.malloc(4 * MIB);
            long huge = h.malloc(20 * MIB);
            assertTrue(inside(id, small, 100) && inside(id, large, 4 * MIB) && inside(id, huge, 20 * MIB),
                    "small, large and huge blocks of the heap lie in the arena");
            TestAllocators.fill(huge, 20 * MIB, 5);
            assertTrue(TestAllocators.check(huge, 20 * MIB, 5));
            for (int i = 0; i < 8; i++) {
                long other = a.malloc(20 * MIB);
                assertFalse(inside(id, other, 1), "the default heap never uses an exclusive arena");
                a.free(other);
            }
            Heap plain = a.newHeap();
            assertFalse(inside(id, plain.malloc(100), 1), "nor does another heap");
            a.free(small);
            a.free(large);
            a.free(huge);
            h.destroy();
            plain.destroy();
        }
    }

    @Test
    void aFullArenaMakesTheHeapReturnZeroNotFallBack() {
        try (Allocator a = TestAllocators.create()) {
            ArenaId id = a.reserveOsMemory(2 * BLOCK, true, true);
            Heap h = a.newHeapInArena(id);
            long p1 = h.malloc(20 * MIB);
            long p2 = h.malloc(20 * MIB);
            assertTrue(p1 != 0 && p2 != 0);
            assertEquals(0, h.malloc(20 * MIB), "no third block: the arena is full");
            assertEquals(0, h.mallocAligned(MIB, 64 * MIB), "alignments above the arena block cannot be had");
            a.free(p1);
            long p3 = h.malloc(20 * MIB);
            assertTrue(inside(id, p3, 20 * MIB), "room again after a free");
            a.free(p2);
            a.free(p3);
            h.destroy();
        }
    }

    @Test
    void aSharedReservedArenaServesTheDefaultHeap() {
        try (Allocator a = TestAllocators.create()) {
            ArenaId id = a.reserveOsMemory(2 * BLOCK, true, false);
            assertFalse(id.exclusive());
            long p = a.malloc(1000);
            assertTrue(inside(id, p, 1000), "the first arena is tried first");
            a.free(p);
            Heap h = a.newHeapInArena(id);
            long q = h.malloc(1000);
            assertTrue(inside(id, q, 1000), "a heap may be bound to a shared arena too");
            a.free(q);
            h.destroy();
        }
    }

    @Test
    void blocksOfAnArenaHeapAreFreedFromOtherThreadsAndTheHeapIsTheCallersOnly() throws Exception {
        try (Allocator a = TestAllocators.create()) {
            ArenaId id = a.reserveOsMemory(BLOCK, true, true);
            Heap h = a.newHeapInArena(id);
            long p = h.malloc(256);
            CompletableFuture.runAsync(() -> a.free(p)).get();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> CompletableFuture.supplyAsync(() -> h.malloc(8)).get());
            assertInstanceOf(WrongThreadException.class, e.getCause());
            assertTrue(e.getCause().getMessage().startsWith("nalloc: heap of thread"));
            h.destroy();
        }
    }

    @Test
    void destroyingAnArenaHeapGivesItsMemoryBackToTheArena() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = TestAllocators.builder().os(os).option(Option.PURGE_DELAY, 1000).build()) {
            ArenaId id = a.reserveOsMemory(BLOCK, true, true);
            Heap h = a.newHeapInArena(id);
            for (int i = 0; i < 100; i++) {
                TestAllocators.fill(h.malloc(10_000), 10_000, i);
            }
            h.destroy();
            a.collect(true);
            assertEquals(BLOCK, os.decommittedIn(id.address(), id.size()), "the arena block was purged");
            Heap again = a.newHeapInArena(id);
            long p = again.malloc(20 * MIB);
            assertTrue(inside(id, p, 20 * MIB), "the whole block is free again");
            again.destroy();
        }
    }

    @Test
    void manageOsMemoryAdoptsAFileMappingAndLeavesItMappedAtClose(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("arena.bin");
        long size = 72 * MIB; // any start leaves at least one aligned 32 MiB block
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
             Arena mapping = Arena.ofShared()) {
            raf.setLength(size);
            MemorySegment m = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size, mapping);
            ArenaId id;
            try (Allocator a = TestAllocators.create()) {
                id = a.manageOsMemory(m.address(), size, true, true, true, -1);
                assertEquals(0, id.address() % BLOCK);
                assertTrue(id.address() >= m.address() && id.address() + id.size() <= m.address() + size,
                        "only the aligned part is used");
                assertEquals(BLOCK, id.size() >= 2 * BLOCK ? id.size() - BLOCK : id.size(),
                        "whole blocks: one or two fit in 72 MiB");
                Heap h = a.newHeapInArena(id);
                long p = h.malloc(4096);
                assertTrue(inside(id, p, 4096));
                TestAllocators.fill(p, 4096, 11);
                long offset = p - m.address();
                assertEquals(11 * 31, m.get(ValueLayout.JAVA_LONG, offset), "the block is the file's memory");
                assertTrue(a.stats().reserved() >= id.size(), "managed memory is counted while adopted");
                a.free(p);
                h.destroy();
            }
            m.set(ValueLayout.JAVA_LONG, id.address() - m.address(), 42); // still mapped after close
            assertEquals(42, m.get(ValueLayout.JAVA_LONG, id.address() - m.address()));
        }
    }

    /** An OS layer whose commits claim zero memory: true of anonymous memory, never of a file's. */
    private static SimulatedOs zeroClaimingOs() {
        SimulatedOs os = new SimulatedOs();
        os.commitClaimsZero = true;
        return os;
    }

    @Test
    void purgedFileMemoryIsNotTakenForZero(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dirty.bin");
        long size = 72 * MIB;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
             Arena mapping = Arena.ofShared();
             Allocator a = TestAllocators.builder().os(zeroClaimingOs()).option(Option.PURGE_DECOMMITS, 1).build()) {
            raf.setLength(size);
            MemorySegment m = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size, mapping);
            ArenaId id = a.manageOsMemory(m.address(), size, true, true, true, -1);
            Heap h = a.newHeapInArena(id);
            long p = h.malloc(20 * MIB);
            assertEquals(id.address(), p & -BLOCK);
            TestAllocators.fill(p, 20 * MIB, 99);
            a.free(p);
            a.collect(true); // decommits the block: a shared file mapping keeps its data
            long q = h.zalloc(20 * MIB);
            assertEquals(id.address(), q & -BLOCK, "the same block again");
            assertTrue(TestAllocators.isZero(q, 20 * MIB), "zalloc zeroed it: purged file memory is not known zero");
            a.free(q);
            h.destroy();
        }
    }

    @Test
    void manageOsMemoryCommitsUncommittedMemoryOnDemand() {
        OsPrimitives real = OsPrimitives.best();
        OsPrimitives.Allocation r = real.allocAligned(2 * BLOCK, BLOCK, false, false); // reserved only
        assertTrue(r.ok());
        try (Allocator a = TestAllocators.create()) {
            ArenaId id = a.manageOsMemory(r.address(), r.size(), false, true, true, 0);
            assertEquals(r.address(), id.address());
            assertEquals(2 * BLOCK, id.size());
            assertEquals(0, id.numaNode());
            Heap h = a.newHeapInArena(id);
            long p = h.malloc(20 * MIB);
            assertTrue(inside(id, p, 20 * MIB));
            assertTrue(TestAllocators.isZero(p, 20 * MIB));
            TestAllocators.fill(p, 20 * MIB, 3);
            a.free(p);
            h.destroy();
        } finally {
            assertEquals(0, real.free(r.address(), r.size()), "the memory stayed the caller's to unmap");
        }
    }

    @Test
    void manageOsMemoryMisuseIsRefusedWithTheReason() {
        OsPrimitives real = OsPrimitives.best();
        OsPrimitives.Allocation r = real.allocAligned(2 * BLOCK, BLOCK, false, false);
        try (Allocator a = TestAllocators.create(); Allocator other = TestAllocators.create()) {
            assertMessage("nalloc: manageOsMemory: the address is 0",
                    () -> a.manageOsMemory(0, BLOCK, true, true, false, -1));
            assertMessage("nalloc: manageOsMemory: size must be positive: 0",
                    () -> a.manageOsMemory(r.address(), 0, true, true, false, -1));
            assertMessage("nalloc: manageOsMemory: size must be positive: -1",
                    () -> a.manageOsMemory(r.address(), -1, true, true, false, -1));
            assertMessage("nalloc: manageOsMemory: [0x" + Long.toHexString(r.address() + 4096) + ", +" + BLOCK
                            + ") holds no 32 MiB-aligned block",
                    () -> a.manageOsMemory(r.address() + 4096, BLOCK, true, true, false, -1));
            assertMessage("nalloc: manageOsMemory: [0x" + Long.toHexString(-BLOCK) + ", +" + 2 * BLOCK + ") wraps",
                    () -> a.manageOsMemory(-BLOCK, 2 * BLOCK, true, true, false, -1));
            assertMessage("nalloc: manageOsMemory: NUMA node must be -1 or a node: -2",
                    () -> a.manageOsMemory(r.address(), BLOCK, true, true, false, -2));
            a.manageOsMemory(r.address(), BLOCK, false, true, false, -1);
            assertMessage("nalloc: manageOsMemory: [0x" + Long.toHexString(r.address()) + ", +" + 2 * BLOCK
                            + ") overlaps memory a Nalloc allocator already manages",
                    () -> a.manageOsMemory(r.address(), 2 * BLOCK, false, true, false, -1));
            long seg = other.malloc(1000) & -BLOCK; // a segment of another instance
            assertMessage("nalloc: manageOsMemory: [0x" + Long.toHexString(seg) + ", +" + BLOCK + ") overlaps",
                    () -> a.manageOsMemory(seg, BLOCK, true, false, false, -1));
        } finally {
            real.free(r.address(), r.size());
        }
    }

    @Test
    void newHeapInArenaRefusesForeignForgedAndNullIds() {
        try (Allocator a = TestAllocators.create(); Allocator b = TestAllocators.create()) {
            ArenaId mine = a.reserveOsMemory(BLOCK, false, true);
            ArenaId theirs = b.reserveOsMemory(BLOCK, false, true);
            assertMessage("nalloc: newHeapInArena: unknown arena", () -> a.newHeapInArena(theirs));
            ArenaId forged = new ArenaId(mine.id(), mine.address(), 2 * mine.size(), true, -1);
            assertMessage("nalloc: newHeapInArena: unknown arena", () -> a.newHeapInArena(forged));
            NullPointerException npe = assertThrows(NullPointerException.class, () -> a.newHeapInArena(null));
            assertEquals("arena", npe.getMessage());
            assertMessage("nalloc: reserveOsMemory: size must be positive: 0", () -> a.reserveOsMemory(0, true, true));
        }
    }

    @Test
    void aClosedAllocatorRefusesTheArenaMethods() {
        Allocator a = TestAllocators.create();
        ArenaId id = a.reserveOsMemory(BLOCK, false, true);
        a.close();
        assertEquals(0, a.stats().reserved(), "the reserved arena went back with the instance");
        for (Runnable r : new Runnable[]{() -> a.reserveOsMemory(BLOCK, false, true),
                () -> a.manageOsMemory(BLOCK, BLOCK, true, true, false, -1), () -> a.newHeapInArena(id)}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, r::run);
            assertEquals("nalloc: the allocator is closed", e.getMessage());
        }
    }

    @Test
    void reserveOsMemoryReportsAnOsRefusalAsOutOfMemory() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = TestAllocators.builder().os(os).option(Option.RETRY_ON_OOM, 0)
                .errorHandler(dev.nalloc.spi.ErrorHandler.logging(0)).build()) {
            os.failReservations = true;
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> a.reserveOsMemory(BLOCK, true, true));
            assertTrue(e.getMessage().startsWith("nalloc: reserveOsMemory: could not reserve"), e.getMessage());
        }
    }

    private static void assertMessage(String prefix, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().startsWith(prefix), () -> "expected '" + prefix + "' but got '" + e.getMessage() + "'");
    }
}
