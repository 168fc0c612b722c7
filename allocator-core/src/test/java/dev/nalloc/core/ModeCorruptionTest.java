package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Mode;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.core.heap.HeapProbes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes into freed blocks (use after free) are found when the block is handed out again or its
 * list is walked, the corrupted block is never handed out, and the instance stays consistent;
 * live blocks whose contents merely look like free ones are never reported. Detection rates of
 * the probabilistic link check are measured over 1024 rounds and printed.
 */
class ModeCorruptionTest {

    static final int ROUNDS = 1024;

    private static Allocator build(Mode mode, ErrorHandler handler) {
        return TestAllocators.builder().mode(mode).errorHandler(handler).build();
    }

    /**
     * Allocates blocks of {@code size} until the handler has a new report or {@code limit} blocks were
     * taken; the blocks are freed again. Returns every address handed out.
     */
    private static Set<Long> allocateUntilReport(Allocator a, ErrorHandler.Capturing h, long size, int limit) {
        int before = h.reports().size();
        List<Long> taken = new ArrayList<>();
        for (int i = 0; i < limit && h.reports().size() == before; i++) {
            taken.add(a.malloc(size));
        }
        taken.forEach(a::free);
        return new HashSet<>(taken);
    }

    @Test
    void useAfterFreeWriteIsFoundWhenTheBlockIsReused() {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        try (Allocator a = build(Mode.CHECKED, h)) {
            long p = a.malloc(64);
            a.free(p);
            Mem.storeByte(p + 20, (byte) 1); // after the link word: only the freed fill shows it
            Set<Long> handedOut = allocateUntilReport(a, h, 64, 10_000);
            assertEquals(1, h.reports().size(), () -> h.reports().toString());
            ErrorHandler.Report r = h.last();
            assertEquals(ErrorKind.FREE_LIST_CORRUPTION, r.kind());
            assertEquals("nalloc: free list corrupted: the block at 0x" + Long.toHexString(p)
                    + " (80 bytes) was written at offset 20 after it was freed (use after free)", r.message());
            assertTrue(!handedOut.contains(p), "the corrupted block was handed out");
            for (int i = 0; i < 2000; i++) { // quarantined for good
                long q = a.malloc(64);
                assertNotEquals(p, q);
            }
            ModeMisuseTest.assertUsable(a, 64);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void overwrittenLinkIsFoundWhenTheListIsPopped(Mode mode) {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        try (Allocator a = build(mode, h)) {
            long p = a.malloc(256);
            a.free(p);
            Mem.store(p, 0x4141414141414141L);
            Set<Long> handedOut = allocateUntilReport(a, h, 256, 10_000);
            assertEquals(1, h.reports().size(), () -> h.reports().toString());
            assertEquals(ErrorKind.FREE_LIST_CORRUPTION, h.last().kind());
            assertTrue(h.last().message().startsWith("nalloc: free list corrupted: the link of the free block at 0x"
                    + Long.toHexString(p)), h.last().message());
            assertTrue(!handedOut.contains(p), "the corrupted block was handed out");
            ModeMisuseTest.assertUsable(a, 256); // the page's lists still add up: the dropped blocks count as used
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void overwrittenLinkIsFoundWhenTheListIsWalked(Mode mode) {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        try (Allocator a = build(mode, h)) {
            long[] b = new long[8];
            for (int i = 0; i < b.length; i++) {
                b[i] = a.malloc(128);
            }
            for (int i = 0; i < b.length - 1; i++) {
                a.free(b[i]); // onto the page's local free list; the last block stays live, so the page stays
            }
            Mem.store(b[3], b[5]); // a plain link, as a FAST-mode exploit would write it
            a.collect(false); // collecting walks and joins the lists
            a.heap().visitBlocks(true, (area, block, size) -> true);
            allocateUntilReport(a, h, 128, 10_000);
            assertTrue(h.reports().stream().anyMatch(r -> r.kind() == ErrorKind.FREE_LIST_CORRUPTION), () -> h.reports().toString());
            ModeMisuseTest.assertUsable(a, 128);
            a.free(b[b.length - 1]);
        }
    }

    @Test
    void checkedCollectAssertsThePageInvariants() {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        try (Allocator a = build(Mode.CHECKED, h)) {
            long[] b = new long[10];
            for (int i = 0; i < b.length; i++) {
                b[i] = a.malloc(32);
            }
            for (int i = 0; i < 5; i++) {
                a.free(b[i]);
            }
            a.collect(false);
            assertEquals(List.of(), h.reports(), "a sound page passes");
            Page page = Page.of(SegmentMap.lookup(b[5]), b[5]);
            page.decrementUsed(); // an engine bug: a block counted free that is on no list
            a.collect(false);
            assertEquals(ErrorKind.ASSERTION, h.last().kind());
            assertTrue(h.last().message().startsWith("nalloc: assertion failed: the free lists of the page at 0x"),
                    h.last().message());
            page.incrementUsed();
            // A live block linked onto the local free list behind the allocator's back.
            Mem.store(b[6], ((EncodedPage) page).encodeLink(b[6], page.localFreeHead()));
            page.setLocalFreeHead(b[6]);
            page.decrementUsed();
            h.clear();
            a.collect(false);
            assertEquals(ErrorKind.ASSERTION, h.last().kind());
            assertEquals("nalloc: assertion failed: the live block at 0x" + Long.toHexString(b[6])
                    + " is on a free list of its page", h.last().message());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void corruptThreadFreeListIsReportedAndDropped(Mode mode) throws Exception {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        try (Allocator a = build(mode, h)) {
            long[] b = new long[6];
            for (int i = 0; i < b.length; i++) {
                b[i] = a.malloc(48);
            }
            TestThreads.runOnNewThread(() -> {
                a.free(b[0]);
                a.free(b[1]); // b1 -> b0 on the page's thread-free list
            });
            Mem.store(b[1], 12345);
            a.collect(true);
            assertTrue(h.reports().stream().anyMatch(r -> r.kind() == ErrorKind.FREE_LIST_CORRUPTION
                    && r.message().contains("thread-free")), () -> h.reports().toString());
            ModeMisuseTest.assertUsable(a, 48);
            for (int i = 2; i < b.length; i++) {
                a.free(b[i]);
            }
        }
    }

    /**
     * One round: a block is freed, its link overwritten with {@code corrupt(block)}, and blocks of
     * the same size are taken until the list reaches it. Returns true when the write was reported.
     */
    private static boolean round(Allocator a, ErrorHandler.Capturing h, long size, LongUnaryOperator corrupt) {
        long p = a.malloc(size);
        long q = a.malloc(size);
        a.free(q);
        a.free(p); // p -> q on the local free list
        Mem.store(p, corrupt.applyAsLong(p));
        int before = h.reports().size();
        Set<Long> handedOut = allocateUntilReport(a, h, size, 200);
        boolean detected = h.reports().size() > before;
        assertTrue(detected || !handedOut.isEmpty());
        return detected;
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void detectionRateOfOverwrittenLinks(Mode mode) {
        SplittableRandom rnd = new SplittableRandom(42);
        String[] models = {"random 64-bit values", "small integers", "plain pointers to a block of the page"};
        for (int model = 0; model < models.length; model++) {
            ErrorHandler.Capturing h = ErrorHandler.capturing();
            int detected = 0;
            try (Allocator a = build(mode, h)) {
                for (int i = 0; i < ROUNDS; i++) {
                    final int m = model;
                    final int round = i;
                    LongUnaryOperator corrupt = switch (m) {
                        case 0 -> p -> rnd.nextLong();
                        case 1 -> p -> round;
                        default -> p -> {
                            Page page = Page.of(SegmentMap.lookup(p), p);
                            return page.areaStart() + rnd.nextInt(page.capacity()) * page.blockSize();
                        };
                    };
                    if (round(a, h, 1024, corrupt)) {
                        detected++;
                    }
                }
                HeapProbes.checkInvariants(((ModeAllocator) a).defaultLocalHeap());
            }
            // A decoded value is accepted only when it is one of the <= 64 carved block starts of the
            // page (or 0): for any fixed write, the random page keys make that a 65 / 2^64 chance, so
            // over 1024 rounds even one miss has probability below 2^-48. Bound: at most one miss.
            System.out.printf("%s: overwritten links (%s) detected in %d of %d rounds (%.2f %%)%n", mode, models[model],
                    detected, ROUNDS, 100.0 * detected / ROUNDS);
            assertTrue(detected >= ROUNDS - 1, mode + " " + models[model] + ": " + detected + " of " + ROUNDS);
        }
    }

    /**
     * The same on a thread without the instance's fast-path slot (the main thread claimed it), whose
     * small allocations take their own path: every overwritten link is reported, its block never
     * handed out, and the heap stays sound.
     */
    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void overwrittenLinksAreFoundOnThreadsWithoutTheSlot(Mode mode) throws Exception {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        try (Allocator a = build(mode, h)) {
            a.free(a.malloc(64)); // the main thread claims the slot
            int[] detected = new int[1];
            TestThreads.runOnNewThread(() -> {
                for (int i = 0; i < 256; i++) {
                    long p = a.malloc(64);
                    long q = a.malloc(64);
                    a.free(q);
                    a.free(p); // p -> q on the local free list
                    Mem.store(p, 0x5A5A_0000L + i);
                    int before = h.reports().size();
                    Set<Long> handedOut = allocateUntilReport(a, h, 64, 2000); // more than a page holds: the list reaches p
                    if (h.reports().size() > before) {
                        detected[0]++;
                        assertEquals(ErrorKind.FREE_LIST_CORRUPTION, h.last().kind());
                        assertFalse(handedOut.contains(p), "the corrupted block was handed out");
                    }
                }
                HeapProbes.checkInvariants(((ModeAllocator) a).defaultLocalHeap());
            });
            assertEquals(256, detected[0]);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void liveBlocksThatLookFreedAreNeverReported(Mode mode) {
        ErrorHandler.Capturing h = ErrorHandler.capturing();
        try (Allocator a = build(mode, h)) {
            Set<Long> live = new HashSet<>();
            for (int i = 0; i < 10_000; i++) {
                long size = 16 + (i % 7) * 40;
                long p = a.malloc(size);
                long q = a.malloc(size);
                a.free(q);
                // p now holds exactly what a freed block holds: the encoded link word and the freed fill.
                Mem.copy(q, p, size);
                if (i % 2 == 0) {
                    // Worse: a link word that decodes, for p itself, to a valid link (0 or a free block of
                    // its page). SECURE's double-free screen passes it, so the free walks the page's lists.
                    Page page = Page.of(SegmentMap.lookup(p), p);
                    Mem.store(p, ((EncodedPage) page).encodeLink(p, i % 4 == 0 ? 0 : q));
                }
                assertTrue(live.add(p));
                if (i % 3 == 0) { // some are freed right away, others stay live a while
                    a.free(p);
                    live.remove(p);
                }
                if (live.size() > 500) {
                    live.forEach(a::free);
                    live.clear();
                }
            }
            live.forEach(a::free);
            assertEquals(List.of(), h.reports());
            assertEquals(0, a.stats().allocationCount());
            ModeMisuseTest.assertUsable(a, 64);
        }
    }
}
