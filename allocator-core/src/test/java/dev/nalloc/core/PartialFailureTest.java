package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorMisuseException;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Heap;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.ForwardingOsPrimitives;
import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Operations that meet OS trouble part-way (issue 23), in every mode, with the throwing handler and
 * every purge's decommit failing: an operation either completes and then reports the trouble, or
 * changes nothing. realloc never throws after it freed the old block (the caller would hold a freed
 * block and lose the new one); its trouble is reported by the thread's next operation.
 */
class PartialFailureTest {

    /** The real OS layer whose decommits fail while {@link #failPurges} is set. */
    static final class FailingPurges extends ForwardingOsPrimitives {
        final AtomicBoolean failPurges = new AtomicBoolean();
        final AtomicInteger failed = new AtomicInteger();

        FailingPurges() {
            super(OsPrimitives.best());
        }

        @Override
        public String name() {
            return "failing-purges";
        }

        @Override
        public int priority() {
            return -1;
        }

        @Override
        public DecommitResult decommit(long address, long size) {
            if (failPurges.get()) {
                failed.incrementAndGet();
                return new DecommitResult(16, false); // EBUSY
            }
            return super.decommit(address, size);
        }

        @Override
        public int reset(long address, long size) {
            if (failPurges.get()) {
                failed.incrementAndGet();
                return 16;
            }
            return super.reset(address, size);
        }
    }

    /** Purges at once (purge_delay 0), by decommit, into a throwing handler. */
    private static Allocator build(Mode mode, FailingPurges os) {
        return Allocator.builder().os(os).readEnvironment(false).mode(mode)
                .option(Option.ARENA_RESERVE, 256L << 20).option(Option.PURGE_DELAY, 0L)
                .option(Option.PURGE_DECOMMITS, 1).errorHandler(ErrorHandler.throwing()).build();
    }

    private static void assertOsFailure(Throwable t) {
        assertTrue(t instanceof AllocatorMisuseException, () -> "not the handler's exception: " + t);
        assertEquals(ErrorKind.OS_FAILURE, ((AllocatorMisuseException) t).kind(), t.getMessage());
        assertTrue(t.getMessage().startsWith("nalloc: OS failure: could not decommit"), t.getMessage());
    }

    /**
     * A block whose free gives memory back at once: a huge block (its segment comes from an arena
     * and is purged), or the last live block of a page that is not its bin's only page (freed, not
     * kept). Returns the block; the other blocks made on the way stay live in {@code keep}.
     */
    private static long lastOfAPage(Heap h, long size, List<Long> keep) {
        long first = h.malloc(size);
        if (size > (16L << 20)) {
            return first;
        }
        Page page = Page.of(SegmentMap.lookup(first), first);
        List<Long> same = new ArrayList<>();
        same.add(first);
        while (true) { // the rest of this page, then one block of a second page of the bin
            long p = h.malloc(size);
            if (Page.of(SegmentMap.lookup(p), p) != page) {
                keep.add(p);
                break;
            }
            same.add(p);
        }
        for (int i = 1; i < same.size(); i++) {
            h.allocator().free(same.get(i));
        }
        return first;
    }

    /** A second free of {@code p} is refused: a double free, or (its page freed with it) a free of free memory. */
    private static void assertFreed(Allocator a, long p) {
        AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class, () -> a.free(p));
        assertTrue(e.kind() == ErrorKind.DOUBLE_FREE || e.kind() == ErrorKind.INVALID_FREE, e.getMessage());
    }

    /** The re-allocations that move a block (one shared implementation: each must keep the rule). */
    enum Realloc {
        REALLOC((a, p, n) -> a.realloc(p, n)),
        REZALLOC((a, p, n) -> a.rezalloc(p, n)),
        REALLOCF((a, p, n) -> a.reallocf(p, n)),
        REALLOCN((a, p, n) -> a.reallocn(p, 1, n)),
        RECALLOC((a, p, n) -> a.recalloc(p, n, 1)),
        REALLOC_ALIGNED((a, p, n) -> a.reallocAligned(p, n, 64));

        interface Call {
            long apply(Allocator a, long p, long n);
        }

        final Call call;

        Realloc(Call call) {
            this.call = call;
        }
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> modesAndReallocs() {
        List<org.junit.jupiter.params.provider.Arguments> out = new ArrayList<>();
        for (Mode m : Mode.values()) {
            for (Realloc r : Realloc.values()) {
                out.add(org.junit.jupiter.params.provider.Arguments.of(m, r));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @org.junit.jupiter.params.provider.MethodSource("modesAndReallocs")
    void reallocNeverLosesTheBlockWhenFreeingTheOldOneFailsToPurge(Mode mode, Realloc realloc) {
        FailingPurges os = new FailingPurges();
        try (Allocator a = build(mode, os)) {
            Heap h = a.newHeap();
            List<Long> keep = new ArrayList<>();
            for (long size : new long[]{100, 3000, 20_000, 300_000, 40L << 20}) {
                long p = lastOfAPage(h, size, keep);
                dev.nalloc.core.memory.Mem.store(p, 0x1234_5678L);
                long before = a.stats().allocationCount();
                os.failPurges.set(true);
                int failedBefore = os.failed.get();
                long q = realloc.call.apply(a, p, size * 3 + 5000); // moves: p's page (or segment) goes, its purge fails
                os.failPurges.set(false);
                boolean purged = os.failed.get() > failedBefore;
                // SECURE keeps a freed page's span with its guard page for a while (no purge): its huge block still purges
                assertTrue(purged || (mode == Mode.SECURE && size < (16L << 20)), size + " B: the purge failed");
                assertNotEquals(0, q, "realloc returned the new block");
                assertNotEquals(p, q);
                assertEquals(0x1234_5678L, dev.nalloc.core.memory.Mem.load(q), "the contents moved");
                assertEquals(before, a.stats().allocationCount(), "one block out, one in");
                if (purged) { // reported by the thread's next operation that reports, which completes first
                    AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class, () -> a.collect(false));
                    assertOsFailure(e);
                }
                if (mode != Mode.FAST) { // the old block is free: a second free is refused
                    assertFreed(a, p);
                }
                a.free(q);
            }
            for (long k : keep) {
                a.free(k);
            }
            h.destroy();
            a.collect(true);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aFreeThatFailsToPurgeHasFreedTheBlock(Mode mode) {
        FailingPurges os = new FailingPurges();
        try (Allocator a = build(mode, os)) {
            Heap h = a.newHeap();
            List<Long> keep = new ArrayList<>();
            for (long size : new long[]{100, 20_000, 300_000, 40L << 20}) {
                long p = lastOfAPage(h, size, keep);
                long before = a.stats().allocationCount();
                os.failPurges.set(true);
                int failedBefore = os.failed.get();
                AllocatorMisuseException thrown = null;
                try {
                    a.free(p);
                } catch (AllocatorMisuseException e) {
                    thrown = e;
                }
                os.failPurges.set(false);
                boolean purged = os.failed.get() > failedBefore;
                assertTrue(purged || (mode == Mode.SECURE && size < (16L << 20)), size + " B: the purge failed");
                if (purged) {
                    assertTrue(thrown != null, size + " B: the free reports the failed purge");
                    assertOsFailure(thrown);
                }
                assertEquals(before - 1, a.stats().allocationCount(), "the free is complete");
                if (mode != Mode.FAST) {
                    assertFreed(a, p);
                }
            }
            // the instance goes on: what could not be purged is purged later
            long q = h.malloc(20_000);
            a.free(q);
            for (long k : keep) {
                a.free(k);
            }
            a.collect(true);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aMallocThatFailsToPurgeAllocatesNothing(Mode mode) {
        FailingPurges os = new FailingPurges();
        // generic_collect 1: every slow-path malloc collects first, which frees retired pages (purged at once)
        try (Allocator a = Allocator.builder().os(os).readEnvironment(false).mode(mode)
                .option(Option.ARENA_RESERVE, 256L << 20).option(Option.PURGE_DELAY, 0L).option(Option.GENERIC_COLLECT, 1L)
                .errorHandler(ErrorHandler.throwing()).build()) {
            Heap h = a.newHeap();
            List<Long> live = new ArrayList<>();
            int thrown = 0;
            for (int round = 0; round < 40; round++) {
                // a page of 20,000-byte blocks emptied and retired, then a malloc of another size takes the slow path
                long[] p = {h.malloc(20_000), h.malloc(20_000), h.malloc(20_000)};
                for (long x : p) {
                    a.free(x);
                }
                long before = a.stats().allocationCount();
                os.failPurges.set(true);
                long q = 0;
                try {
                    q = h.malloc(200_000 + round * 1000);
                } catch (AllocatorMisuseException e) {
                    assertOsFailure(e);
                    thrown++;
                    assertEquals(before, a.stats().allocationCount(), "a malloc that threw allocated nothing");
                }
                os.failPurges.set(false);
                if (q != 0) {
                    assertEquals(before + 1, a.stats().allocationCount());
                    live.add(q);
                }
            }
            assertTrue(thrown > 0, "some mallocs met a failing purge");
            for (long q : live) {
                a.free(q);
            }
            h.destroy();
            assertEquals(0, a.stats().allocationCount());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void destroyAndArenaCloseCompleteBeforeTheyReport(Mode mode) {
        FailingPurges os = new FailingPurges();
        try (Allocator a = build(mode, os)) {
            for (int round = 0; round < 4; round++) {
                Heap h = a.newHeap();
                for (int i = 0; i < 200; i++) {
                    h.malloc(i % 2 == 0 ? 20_000 : 300_000);
                }
                h.malloc(40L << 20);
                os.failPurges.set(true);
                try {
                    h.destroy();
                } catch (AllocatorMisuseException e) {
                    assertOsFailure(e);
                }
                os.failPurges.set(false);
                assertEquals(0, a.stats().allocationCount(), "destroy completed");
                assertThrows(IllegalStateException.class, () -> h.malloc(10), "the heap is gone");
            }
            a.collect(true);
            assertEquals(0, a.stats().allocationCount());
        }
    }

    /**
     * A random workload of every form (child JVM: a broken promise may mean a use of freed memory
     * given back to the OS, that is a crash), relying on exactly what docs/api.md says an operation
     * that throws has done, with every other purge failing: no tag lost, no double free, the live
     * count exact throughout, and the trouble was met (operations of each kind threw).
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void aWorkloadWithFailingPurgesKeepsEveryBlock(Mode mode) throws Exception {
        ProbeJvm.Result r = ProbeJvm.run(PartialFailureProbe.class, mode + " 23 60000");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.output().contains("probe: done"), r::toString);
        assertTrue(r.errorReport().isEmpty(), r::toString);
        java.util.Map<String, Long> m = new java.util.HashMap<>();
        for (String line : r.output().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(eq + 1).trim().matches("\\d+")) {
                m.put(line.substring(0, eq).trim(), Long.parseLong(line.substring(eq + 1).trim()));
            }
        }
        assertTrue(m.getOrDefault("purgesFailed", 0L) > 0, r::toString);
        assertTrue(m.getOrDefault("thrownByFree", 0L) > 0, () -> "frees met the trouble: " + r);
        assertTrue(m.getOrDefault("thrownByAllocate", 0L) + m.getOrDefault("thrownByRealloc", 0L) > 0,
                () -> "allocations met the trouble: " + r);
    }

    /** The real OS layer whose protects (setting a guard page, not lifting one) fail while {@link #fail} is set. */
    static final class FailingGuards extends ForwardingOsPrimitives {
        final AtomicBoolean fail = new AtomicBoolean();
        final AtomicInteger failed = new AtomicInteger();

        FailingGuards() {
            super(OsPrimitives.best());
        }

        @Override
        public String name() {
            return "failing-guards";
        }

        @Override
        public int priority() {
            return -1;
        }

        @Override
        public int protect(long address, long size, boolean protect) {
            if (protect && fail.get()) {
                failed.incrementAndGet();
                return 12; // ENOMEM: the mapping could not be split
            }
            return super.protect(address, size, protect);
        }
    }

    /**
     * Guarded sampling (CHECKED, SECURE): a guard page the OS will not set is reported by the
     * allocation that wanted it, not by some later operation. With the throwing handler that
     * allocation throws and has allocated nothing (the block went back); with a handler that
     * returns, the block is handed out unguarded and usable.
     */
    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"CHECKED", "SECURE"})
    void aGuardPageThatCannotBeSetIsReportedByItsAllocation(Mode mode) {
        FailingGuards os = new FailingGuards();
        try (Allocator a = Allocator.builder().os(os).readEnvironment(false).mode(mode)
                .option(Option.GUARDED_SAMPLE_RATE, 1L).errorHandler(ErrorHandler.throwing()).build()) {
            for (long size : new long[]{24, 5000, 100_000}) {
                long before = a.stats().allocationCount();
                os.fail.set(true);
                AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class, () -> a.malloc(size));
                os.fail.set(false);
                assertEquals(ErrorKind.OS_FAILURE, e.kind(), e.getMessage());
                assertTrue(e.getMessage().contains("could not protect"), e.getMessage());
                assertTrue(os.failed.get() > 0);
                assertEquals(before, a.stats().allocationCount(), size + " B: the allocation that threw allocated nothing");
                long p = a.malloc(size); // the instance goes on, guarded again
                dev.nalloc.core.memory.Mem.store(p, 1L);
                a.free(p);
                assertEquals(before, a.stats().allocationCount());
            }
        }
        ErrorHandler.Capturing errors = ErrorHandler.capturing();
        try (Allocator a = Allocator.builder().os(os).readEnvironment(false).mode(mode)
                .option(Option.GUARDED_SAMPLE_RATE, 1L).errorHandler(errors).build()) {
            os.fail.set(true);
            long p = a.malloc(5000);
            os.fail.set(false);
            assertNotEquals(0, p);
            assertEquals(ErrorKind.OS_FAILURE, errors.last().kind(), "reported within the malloc");
            dev.nalloc.core.memory.Mem.fill(p, 5000, (byte) 7); // usable, unguarded
            a.free(p);
            // the unguarded block's free finds it live with its canary intact (no misuse reported)
            assertTrue(errors.reports().stream().allMatch(r -> r.kind() == ErrorKind.OS_FAILURE), () -> errors.reports().toString());
            assertEquals(0, a.stats().allocationCount());
        }
    }

    /**
     * An arena's close that meets a failing purge and throws has closed the arena: its segments are
     * dead (no access to freed memory), a second close is refused, its blocks are uncounted; and
     * when its thread called {@code threadDone} while it was open, the thread's data is retired
     * all the same.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void anArenaCloseThatThrowsHasClosedTheArena(Mode mode) {
        FailingPurges os = new FailingPurges();
        try (Allocator a = build(mode, os)) {
            for (boolean threadDone : new boolean[]{false, true}) {
                java.lang.foreign.Arena arena = a.newArena();
                java.lang.foreign.MemorySegment small = arena.allocate(100);
                java.lang.foreign.MemorySegment huge = arena.allocate(40L << 20); // its segment is purged at once
                for (int i = 0; i < 50; i++) {
                    arena.allocate(20_000);
                }
                long threads = a.stats().counts().get("threads").current();
                if (threadDone) {
                    a.threadDone();
                }
                os.failPurges.set(true);
                int failedBefore = os.failed.get();
                try {
                    arena.close();
                } catch (AllocatorMisuseException e) {
                    assertOsFailure(e);
                }
                os.failPurges.set(false);
                assertTrue(os.failed.get() > failedBefore, "a purge failed");
                assertThrows(IllegalStateException.class, () -> small.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
                assertThrows(IllegalStateException.class, () -> huge.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
                assertThrows(IllegalStateException.class, arena::close, "closed");
                assertEquals(0, a.stats().allocationCount(), "its blocks were freed");
                if (threadDone) {
                    assertTrue(a.stats().counts().get("threads").current() < threads, "the thread's data was retired");
                }
                try {
                    a.collect(true); // a report left waiting, if any
                } catch (AllocatorMisuseException e) {
                    assertOsFailure(e);
                }
            }
        }
    }
}
