package dev.nalloc.core.check;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Mode;
import dev.nalloc.core.ProbeJvm;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestThreads;
import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CHECKED's Java memory (issues 22 and 23): its block states take 8 bytes of Java heap per block
 * handed out, growing with the page rather than sized for all its blocks; an allocation the Java
 * heap cannot hold the state of fails as out of memory naming the Java heap (the block given back);
 * and under a small {@code -Xmx} frees never fail half-way, whichever thread makes them.
 */
class JavaHeapTest {

    @Test
    void aPageThatServesFewBlocksKeepsFewStates() {
        try (Allocator a = TestAllocators.builder().mode(Mode.CHECKED).build()) {
            long p = a.malloc(8);
            Page page = Page.of(SegmentMap.lookup(p), p);
            BlockShadow shadow = BlockShadow.peek(page);
            assertTrue(shadow.capacity() <= 16, "one block: " + shadow.capacity() + " states of " + page.reserved());
            List<Long> more = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                more.add(a.malloc(8));
            }
            int highest = 0;
            for (long q : more) {
                if (Page.of(SegmentMap.lookup(q), q) == page) {
                    highest = Math.max(highest, (int) page.blockIndexOf(q));
                }
            }
            assertTrue(shadow.capacity() > highest && shadow.capacity() <= Math.max(16, 2 * (highest + 1)),
                    "states grow with the blocks handed out: " + shadow.capacity() + " for index " + highest);
            a.free(p);
            for (long q : more) {
                a.free(q);
            }
            a.collect(true);
            assertEquals(null, page.inUse() ? null : ((EncodedPage) page).shadow(), "a freed page drops its states");
        }
    }

    @Test
    void statesGrowWhileOtherThreadsFreeBlocksOfThePage() throws Exception {
        // The owner hands out blocks (each growth seals and copies the states) while two threads free
        // blocks of the same pages: no free is lost, no false report.
        ErrorHandler.Capturing errors = ErrorHandler.capturing();
        try (Allocator a = TestAllocators.builder().mode(Mode.CHECKED).errorHandler(errors).build()) {
            BlockingQueue<Long> queue = new ArrayBlockingQueue<>(4096);
            long poison = -1;
            TestThreads.Running[] freers = TestThreads.startAll(Thread.ofPlatform(), 2, t -> {
                for (long p; (p = queue.take()) != poison; ) {
                    a.free(p);
                }
            });
            for (int round = 0; round < 20; round++) {
                for (int i = 0; i < 20_000; i++) {
                    queue.put(a.malloc(8 + (i % 3) * 8));
                }
                a.collect(round % 5 == 0); // pages empty out and come back: new states, new growths
            }
            for (int t = 0; t < freers.length; t++) {
                queue.put(poison);
            }
            TestThreads.joinAll(Duration.ofMinutes(5), freers);
            assertEquals(List.of(), errors.reports(), "no report");
            a.collect(true);
            assertEquals(0, a.stats().allocationCount(), "every free counted");
        }
    }

    private static Map<String, String> parse(String output) {
        Map<String, String> m = new HashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return m;
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> modesAndWheres() {
        List<org.junit.jupiter.params.provider.Arguments> out = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            for (String where : new String[]{"local", "remote"}) {
                out.add(org.junit.jupiter.params.provider.Arguments.of(mode, where));
            }
        }
        return out.stream();
    }

    /**
     * Every mode under {@code -Xmx24m} (child JVM): CHECKED runs out of Java heap for its block
     * states (reported, malloc 0) and frees every block afterwards; FAST and SECURE keep no Java
     * memory per block, so they reach the cap of 4 million blocks (64 MB of native blocks) with
     * the same 24 MiB of Java heap, and free them all too.
     */
    @ParameterizedTest(name = "{0} {1}")
    @org.junit.jupiter.params.provider.MethodSource("modesAndWheres")
    void underASmallJavaHeapAllocationFailsCleanlyAndEveryFreeWorks(Mode mode, String where) throws Exception {
        ProbeJvm.Result r = ProbeJvm.run(JavaHeapProbe.class, where + " 4000000 16 " + mode, "-Xmx24m");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.output().contains("probe: done"), r::toString);
        Map<String, String> m = parse(r.output());
        int allocated = Integer.parseInt(m.get("allocated"));
        assertTrue(allocated > 100_000, r::toString);
        if (mode != Mode.CHECKED) { // no per-block Java memory: the cap, not the Java heap, ends allocation
            assertEquals(4_000_000, allocated, r::toString);
            assertEquals("cap", m.get("ended"), r::toString);
            assertEquals("0", m.get("oomReports"), r::toString);
        }
        if (allocated < 4_000_000) { // the Java heap ran out first: reported as such, malloc returned 0
            assertEquals("zero", m.get("ended"), r::toString);
            assertTrue(Long.parseLong(m.get("oomReports")) >= 1, r::toString);
            assertTrue(m.get("oomMessage").startsWith(ErrorKind.OUT_OF_MEMORY.prefix()) && m.get("oomMessage").contains("Java heap"),
                    r::toString);
        }
        assertEquals("0", m.get("freesThrew"), r::toString);
        assertEquals("null", m.get("collectThrew"), r::toString);
        assertEquals("0", m.get("liveAfter"), "no block became unfreeable: " + r);
        assertEquals("0", m.get("otherReports"), r::toString);
        assertEquals("true", m.get("usableAfter"), r::toString);
    }
}
