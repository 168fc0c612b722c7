package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Heap;
import dev.nalloc.api.LeakDetection;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code setDefaultHeap} / {@code defaultHeap} / {@code heap()} (mimalloc's {@code mi_heap_set_default},
 * {@code mi_heap_get_default}, {@code mi_heap_get_backing}): every call of the thread that uses its
 * default heap allocates in the heap set, on the fast paths too; destroying or deleting it hands the
 * default back to the thread's own heap; other threads are not affected; in every mode, with and
 * without the leak-tracking layer, on platform and virtual threads.
 */
class DefaultHeapTest {

    static Stream<Arguments> configurations() {
        List<Arguments> list = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            list.add(Arguments.of(mode, LeakDetection.OFF));
            list.add(Arguments.of(mode, LeakDetection.ALL));
        }
        return list.stream();
    }

    private static Allocator build(Mode mode, LeakDetection leaks) {
        return TestAllocators.builder().mode(mode).option(Option.LEAK_DETECTION, leaks.ordinal()).build();
    }

    /** Every plain call of the allocator that allocates in the thread's default heap, once each. */
    private static List<Long> plainCalls(Allocator a) {
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 200; i++) { // enough for the fast paths to be taken (and compiled in some runs)
            blocks.add(a.malloc(16 + (i % 40) * 8));
        }
        blocks.add(a.malloc(100_000)); // large
        blocks.add(a.zalloc(3000));
        blocks.add(a.calloc(10, 30));
        blocks.add(a.mallocn(4, 25));
        blocks.add(a.mallocAligned(100, 4096));
        blocks.add(a.zallocAlignedAt(100, 256, 8));
        blocks.add(a.callocAligned(3, 40, 128));
        blocks.add(a.realloc(0, 64));
        blocks.add(a.realloc(a.malloc(24), 5000)); // moves: the new block is in the default heap
        blocks.add(a.rezalloc(0, 80));
        blocks.add(a.recalloc(0, 5, 5));
        blocks.add(a.reallocn(0, 3, 7));
        blocks.add(a.allocate(48, 16).address());
        return blocks;
    }

    private static void assertAllIn(Heap h, List<Long> blocks) {
        for (long p : blocks) {
            assertTrue(p != 0, "allocation failed");
            assertTrue(h.contains(p), () -> "0x" + Long.toHexString(p) + " is not in the default heap set");
        }
    }

    private static void assertNoneIn(Heap h, List<Long> blocks) {
        for (long p : blocks) {
            assertFalse(h.contains(p), () -> "0x" + Long.toHexString(p) + " is in a heap that is not the default");
        }
    }

    private static void freeAll(Allocator a, List<Long> blocks) {
        for (long p : blocks) {
            a.free(p);
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void plainCallsAllocateInTheHeapSetUntilTheBackingHeapIsSetAgain(Mode mode, LeakDetection leaks) {
        try (Allocator a = build(mode, leaks)) {
            Heap own = a.heap();
            assertSame(own, a.defaultHeap());
            List<Long> before = plainCalls(a); // the fast paths now cache the backing heap
            assertAllIn(own, before);

            Heap h = a.newHeap();
            assertSame(own, a.setDefaultHeap(h));
            assertSame(h, a.defaultHeap());
            assertSame(own, a.heap(), "heap() is the backing heap whatever the default");
            List<Long> inH = plainCalls(a);
            assertAllIn(h, inH);
            assertNoneIn(own, inH);
            assertNoneIn(h, before);
            freeAll(a, before); // local frees of the other heap's blocks
            assertSame(h, a.setDefaultHeap(h), "setting the default again returns it");

            assertSame(h, a.setDefaultHeap(own));
            assertSame(own, a.defaultHeap());
            List<Long> back = plainCalls(a);
            assertAllIn(own, back);
            assertNoneIn(h, back);
            freeAll(a, inH);
            freeAll(a, back);
            assertEquals(0, a.stats().allocationCount(), "every block freed exactly once");
            h.close();
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void destroyingTheDefaultHeapHandsTheDefaultBackToTheBackingHeap(Mode mode, LeakDetection leaks) {
        try (Allocator a = build(mode, leaks)) {
            Heap own = a.heap();
            for (int round = 0; round < 6; round++) { // destroyed heaps are pooled and reused: each round anew
                Heap h = a.newHeap();
                assertSame(own, a.setDefaultHeap(h));
                List<Long> inH = plainCalls(a);
                assertAllIn(h, inH);
                h.destroy(); // frees every block of h
                assertSame(own, a.defaultHeap());
                List<Long> after = plainCalls(a);
                assertAllIn(own, after);
                freeAll(a, after);
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.setDefaultHeap(h));
                assertEquals("nalloc: the heap has been destroyed or deleted", e.getMessage());
                assertSame(own, a.defaultHeap(), "a failed setDefaultHeap changes nothing");
            }
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void deletingTheDefaultHeapKeepsItsBlocksAndHandsTheDefaultBack(Mode mode, LeakDetection leaks) {
        try (Allocator a = build(mode, leaks)) {
            Heap own = a.heap();
            Heap h = a.newHeap();
            a.setDefaultHeap(h);
            List<Long> inH = plainCalls(a);
            for (int i = 0; i < inH.size(); i++) {
                TestAllocators.fill(inH.get(i), 16, i);
            }
            h.close(); // mi_heap_delete: the blocks move to the backing heap
            assertSame(own, a.defaultHeap());
            assertAllIn(own, inH);
            for (int i = 0; i < inH.size(); i++) {
                assertTrue(TestAllocators.check(inH.get(i), 16, i));
            }
            List<Long> after = plainCalls(a);
            assertAllIn(own, after);
            freeAll(a, inH);
            freeAll(a, after);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void otherThreadsKeepTheirOwnDefault(Mode mode, LeakDetection leaks) throws Exception {
        try (Allocator a = build(mode, leaks)) {
            Heap h = a.newHeap();
            a.setDefaultHeap(h);
            AtomicReference<List<Long>> theirs = new AtomicReference<>();
            TestThreads.runOnNewThread(() -> {
                assertSame(a.heap(), a.defaultHeap());
                assertNotSame(h, a.defaultHeap());
                List<Long> blocks = plainCalls(a);
                assertAllIn(a.heap(), blocks);
                theirs.set(blocks);
                WrongThreadException e = assertThrows(WrongThreadException.class, () -> a.setDefaultHeap(h));
                assertTrue(e.getMessage().startsWith("nalloc: heap of thread "), e.getMessage());
                assertSame(a.heap(), a.defaultHeap());
            });
            assertNoneIn(h, theirs.get());
            assertSame(h, a.defaultHeap());
            List<Long> mine = plainCalls(a);
            assertAllIn(h, mine);
            freeAll(a, theirs.get()); // remote frees of the other thread's blocks
            freeAll(a, mine);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void aVirtualThreadAllocatesInTheHeapItSetsInsteadOfItsSharedHeap(Mode mode, LeakDetection leaks) throws Exception {
        try (Allocator a = build(mode, leaks)) {
            TestThreads.runOn(Thread.ofVirtual(), () -> {
                List<Long> shared = plainCalls(a); // in a shared heap (a lease)
                Heap h = a.newHeap();
                assertNoneIn(h, shared);
                Heap previous = a.setDefaultHeap(h);
                assertSame(a.heap(), previous);
                List<Long> inH = plainCalls(a);
                assertAllIn(h, inH);
                Thread.yield(); // may move to another carrier: the default stays
                List<Long> more = plainCalls(a);
                assertAllIn(h, more);
                assertSame(h, a.setDefaultHeap(a.heap()));
                List<Long> own = plainCalls(a);
                assertAllIn(a.heap(), own);
                freeAll(a, shared);
                freeAll(a, inH);
                freeAll(a, more);
                freeAll(a, own);
                h.destroy();
            });
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void aVirtualThreadThatAsksForItsHeapAllocatesInIt(Mode mode, LeakDetection leaks) throws Exception {
        try (Allocator a = build(mode, leaks)) {
            TestThreads.runOn(Thread.ofVirtual(), () -> {
                List<Long> shared = plainCalls(a); // in a shared heap (a lease)
                Heap own = a.defaultHeap(); // the thread gets data of its own ...
                assertSame(a.heap(), own);
                assertNoneIn(own, shared);
                List<Long> mine = plainCalls(a); // ... and allocates in it from now on
                assertAllIn(own, mine);
                freeAll(a, shared);
                freeAll(a, mine);
            });
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void threadDoneEndsTheDefaultAndTheNextCallsStartWithTheThreadsOwnHeap(Mode mode, LeakDetection leaks) throws Exception {
        try (Allocator a = build(mode, leaks)) {
            AtomicReference<List<Long>> kept = new AtomicReference<>();
            TestThreads.runOnNewThread(() -> {
                Heap h = a.newHeap();
                a.setDefaultHeap(h);
                List<Long> inH = plainCalls(a);
                assertAllIn(h, inH);
                a.threadDone(); // h is deleted into the backing heap, whose segments are abandoned
                assertThrows(IllegalStateException.class, () -> h.malloc(8));
                Heap fresh = a.heap();
                assertSame(fresh, a.defaultHeap());
                List<Long> after = plainCalls(a);
                assertAllIn(fresh, after);
                freeAll(a, after);
                kept.set(inH);
            });
            freeAll(a, kept.get()); // blocks of the deleted heap stayed valid
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void misuseIsRefusedWithExactErrors(Mode mode, LeakDetection leaks) {
        try (Allocator a = build(mode, leaks); Allocator other = build(mode, leaks)) {
            NullPointerException npe = assertThrows(NullPointerException.class, () -> a.setDefaultHeap(null));
            assertEquals("heap", npe.getMessage());
            Heap foreign = other.newHeap();
            IllegalArgumentException iae = assertThrows(IllegalArgumentException.class, () -> a.setDefaultHeap(foreign));
            assertEquals("nalloc: setDefaultHeap: the heap belongs to another allocator", iae.getMessage());
            assertSame(a.heap(), a.defaultHeap());
            Heap h = a.newHeap();
            a.setDefaultHeap(h);
            UnsupportedOperationException uoe = assertThrows(UnsupportedOperationException.class, () -> a.heap().destroy());
            assertEquals("nalloc: a thread's default heap cannot be destroyed", uoe.getMessage());
            a.heap().close(); // deleting the backing heap does nothing, as mi_heap_delete of it
            assertSame(h, a.defaultHeap());
            a.close();
            IllegalStateException ise = assertThrows(IllegalStateException.class, () -> a.setDefaultHeap(h));
            assertEquals("nalloc: the allocator is closed", ise.getMessage());
            assertThrows(IllegalStateException.class, a::defaultHeap);
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void arenasAndSegmentsUseTheirOwnHeapsNotTheDefault(Mode mode, LeakDetection leaks) {
        try (Allocator a = build(mode, leaks)) {
            Heap h = a.newHeap();
            a.setDefaultHeap(h);
            try (Arena arena = a.newArena()) {
                MemorySegment s = arena.allocate(64);
                assertFalse(h.contains(s.address()));
                assertFalse(a.heap().contains(s.address()));
            }
            MemorySegment seg = a.allocate(64);
            assertTrue(h.contains(seg.address()));
            a.free(seg);
            assertSame(h, a.defaultHeap(), "closing an arena leaves the default alone");
        }
    }

    /**
     * Platform and virtual threads switch their default heap hundreds of times each (slots retired
     * and entered again, FastSlots entries emptied and refilled, leases given back) while freeing
     * each other's blocks; every block lands in the heap set, every count ends at zero.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void threadsSwitchingDefaultsWhileFreeingEachOthersBlocks(Mode mode) throws Exception {
        try (Allocator a = build(mode, LeakDetection.OFF)) {
            ConcurrentLinkedQueue<Long> handedOver = new ConcurrentLinkedQueue<>();
            TestThreads.IndexedTask worker = w -> {
                for (int round = 0; round < 150; round++) {
                    Heap h = a.newHeap();
                    assertSame(a.heap(), a.setDefaultHeap(h));
                    List<Long> blocks = new ArrayList<>();
                    for (int i = 0; i < 48; i++) {
                        long p = a.malloc(8 + (i * 24) % 700);
                        if (!h.contains(p)) {
                            throw new AssertionError("round " + round + ": a block outside the heap set");
                        }
                        blocks.add(p);
                    }
                    if (round % 2 == 0) { // hand half over, free the rest after the heap is deleted
                        handedOver.addAll(blocks.subList(0, 24));
                        h.close();
                        freeAll(a, blocks.subList(24, 48));
                    } else {
                        h.destroy();
                    }
                    assertSame(a.heap(), a.defaultHeap());
                    Long q;
                    for (int i = 0; i < 24 && (q = handedOver.poll()) != null; i++) {
                        a.free(q);
                    }
                }
            };
            TestThreads.Running[] platform = TestThreads.startAll(Thread.ofPlatform(), 3, worker);
            TestThreads.Running[] virtual = TestThreads.startAll(Thread.ofVirtual(), 12, worker);
            try {
                TestThreads.joinAll(platform);
            } finally {
                TestThreads.joinAll(virtual); // all of them end before the instance closes
            }
            Long q;
            while ((q = handedOver.poll()) != null) {
                a.free(q);
            }
            assertEquals(0, a.stats().allocationCount());
        }
    }
}
