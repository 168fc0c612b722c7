package dev.nalloc.core.arena;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.ArenaId;
import dev.nalloc.api.Option;
import dev.nalloc.core.LogCapture;
import dev.nalloc.core.SimulatedOs;
import dev.nalloc.core.TestAllocators;
import dev.nalloc.core.TestEngines;
import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.core.stats.StatsProbes;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Large and huge OS pages, transparent huge pages and NUMA: the success paths on the simulated OS
 * layer (which claims huge pages and two NUMA nodes), the fallbacks both there and on this machine
 * (which has no reserved huge pages and one node), each with its verbose message.
 */
class HugePagesNumaTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final long BLOCK = MemoryArena.BLOCK_SIZE;

    private static Arenas arenas(Allocator a) {
        return TestEngines.of(a).arenas;
    }

    private static List<String> messages(LogCapture log, String prefix) {
        return log.messages().stream().filter(m -> m.startsWith(prefix)).toList();
    }

    @Test
    void hugeOsPagesAreReservedAsPinnedArenasSpreadOverTheNodes() {
        SimulatedOs os = new SimulatedOs();
        os.numaNodes = 2;
        os.hugePagesAvailable.set(4);
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().os(os).option(Option.VERBOSE, 1)
                     .option(Option.RESERVE_HUGE_OS_PAGES, 3).build()) {
            assertEquals(List.of(0, 0, 1), os.hugePageNodes, "3 pages over 2 nodes: 2 on node 0, 1 on node 1");
            Arenas arenas = arenas(a);
            assertEquals(3, arenas.getVolatileCount());
            for (int i = 0; i < 3; i++) {
                MemoryArena m = arenas.get(i);
                assertEquals(GIB, m.size());
                assertTrue(m.pinned(), "huge pages cannot be purged");
                assertEquals(i < 2 ? 0 : 1, m.numaNode());
                assertEquals(GIB, m.committedBytes());
            }
            assertEquals(List.of("nalloc: reserved 3 huge OS pages (1 GiB each)"),
                    messages(log, "nalloc: reserved"));
            assertEquals(3 * GIB, a.stats().reserved());
            os.currentNode = 1;
            long p = a.malloc(100);
            assertTrue(arenas.get(2).contains(p), "a thread on node 1 gets node 1's huge pages");
            a.free(p);
            a.collect(true);
            assertEquals(0, os.decommittedBytes(), "pinned memory is never decommitted");
        }
        assertEquals(1, os.hugePagesAvailable.get());
    }

    @Test
    void reserveHugeOsPagesAtPutsThemAllOnOneNode() {
        SimulatedOs os = new SimulatedOs();
        os.numaNodes = 2;
        os.hugePagesAvailable.set(4);
        try (Allocator a = TestAllocators.builder().os(os).option(Option.RESERVE_HUGE_OS_PAGES, 2)
                .option(Option.RESERVE_HUGE_OS_PAGES_AT, 1).build()) {
            assertEquals(List.of(1, 1), os.hugePageNodes);
            assertEquals(2, arenas(a).getVolatileCount());
        }
    }

    @Test
    void theReservationStopsAtTheTimeoutOfHalfASecondPerPage() {
        SimulatedOs os = new SimulatedOs();
        os.hugePagesAvailable.set(10);
        os.hugePageMillis = 1000; // each page takes a second: 3 pages have 1.5 s
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().os(os).option(Option.RESERVE_HUGE_OS_PAGES, 3).build()) {
            assertEquals(2, arenas(a).getVolatileCount(), "the third page was not tried after 2 s");
            assertEquals(List.of("nalloc: reserved 2 of 3 huge OS pages before the timeout; using regular pages for the rest"),
                    messages(log, "nalloc: reserved"));
        }
        assertEquals(3 * StartupMemory.MILLIS_PER_HUGE_PAGE, 1500);
    }

    @Test
    void withoutHugePagesTheSimulatedOsFallsBackToRegularPagesWithAMessage() {
        SimulatedOs os = new SimulatedOs();
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().os(os).option(Option.RESERVE_HUGE_OS_PAGES, 2).build()) {
            assertEquals(0, arenas(a).getVolatileCount());
            assertEquals(1, messages(log, "nalloc: could not reserve huge OS pages (0 of 2 reserved): ").size(),
                    log.messages()::toString);
            long p = a.malloc(100);
            assertTrue(p != 0, "allocation goes on with regular pages");
            a.free(p);
        }
    }

    @Test
    void thisMachineWithoutHugetlbPagesTakesTheFallback() throws Exception {
        Path pool = Path.of("/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages");
        assumeTrue(System.getProperty("os.name").startsWith("Linux"));
        assumeTrue(!Files.exists(pool) || Files.readString(pool).trim().equals("0"), "the machine has free 1 GiB pages");
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().option(Option.RESERVE_HUGE_OS_PAGES, 1).build()) {
            assertEquals(0, arenas(a).getVolatileCount());
            assertEquals(1, messages(log, "nalloc: could not reserve huge OS pages (0 of 1 reserved): ").size(),
                    log.messages()::toString);
            long p = a.malloc(1000);
            assertTrue(p != 0);
            a.free(p);
        }
    }

    @Test
    void thisMachineHasOneNumaNodeAndArenaChoiceIgnoresNodes() {
        assumeTrue(OsPrimitives.best().numaNodeCount() == 1, "a NUMA machine");
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().option(Option.VERBOSE, 1).build()) {
            assertEquals(List.of("nalloc: NUMA: the machine has one node; arena choice ignores nodes"),
                    messages(log, "nalloc: NUMA"));
            assertFalse(TestEngines.of(a).numa.enabled());
            assertEquals(-1, TestEngines.of(a).numa.currentNode());
        }
        // Without verbose an ordinary start logs nothing (it would start the logging framework).
        try (LogCapture log = LogCapture.of("dev.nalloc.core"); Allocator a = TestAllocators.create()) {
            assertEquals(List.of(), messages(log, "nalloc: NUMA"));
        }
    }

    @Test
    void arenaChoicePrefersTheThreadsNodeThenFallsBackToOthers() {
        SimulatedOs os = new SimulatedOs();
        os.numaNodes = 2;
        OsPrimitives real = OsPrimitives.best();
        OsPrimitives.Allocation m0 = real.allocAligned(BLOCK, BLOCK, true, false);
        OsPrimitives.Allocation m1 = real.allocAligned(BLOCK, BLOCK, true, false);
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().os(os).option(Option.DISALLOW_OS_ALLOC, 1).build()) {
            assertEquals(List.of("nalloc: NUMA: using 2 of 2 nodes; arenas on the thread's node are preferred"),
                    messages(log, "nalloc: NUMA"));
            ArenaId node0 = a.manageOsMemory(m0.address(), BLOCK, true, true, false, 0);
            ArenaId node1 = a.manageOsMemory(m1.address(), BLOCK, true, true, false, 1);
            os.currentNode = 1;
            long first = a.malloc(20 * MIB);
            assertTrue(first >= node1.address() && first < node1.address() + BLOCK, "node 1 first");
            long second = a.malloc(20 * MIB);
            assertTrue(second >= node0.address() && second < node0.address() + BLOCK, "then node 0");
            assertEquals(0, a.malloc(20 * MIB), "disallow_os_alloc: nothing beyond the arenas");
            a.free(first);
            a.free(second);
        } finally {
            real.free(m0.address(), m0.size());
            real.free(m1.address(), m1.size());
        }
    }

    @Test
    void useNumaNodesLimitsTheNodesInUse() {
        SimulatedOs os = new SimulatedOs();
        os.numaNodes = 4;
        os.currentNode = 3;
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().os(os).option(Option.USE_NUMA_NODES, 2).build()) {
            assertEquals(2, TestEngines.of(a).numa.nodes());
            assertEquals(1, TestEngines.of(a).numa.currentNode(), "node 3 folds onto node 1 of 2");
            assertEquals(List.of("nalloc: NUMA: using 2 of 4 nodes; arenas on the thread's node are preferred"),
                    messages(log, "nalloc: NUMA"));
        }
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().os(os).option(Option.USE_NUMA_NODES, 1).build()) {
            assertEquals(dev.nalloc.api.Mode.FAST, a.mode()); // built (the start-up work is the test)
            assertEquals(List.of("nalloc: NUMA: limited to one node; arena choice ignores nodes"),
                    messages(log, "nalloc: NUMA"));
        }
    }

    @Test
    void allowThpOffTurnsTransparentHugePagesOffOrSaysWhyNot() {
        SimulatedOs os = new SimulatedOs();
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().os(os).option(Option.ALLOW_THP, 0).build()) {
            assertEquals(dev.nalloc.api.Mode.FAST, a.mode()); // built (the start-up work is the test)
            assertEquals(List.of(false), os.thpCalls);
            assertEquals(List.of("nalloc: transparent huge pages are off for this process (allow_thp=0)"),
                    messages(log, "nalloc: transparent"));
        }
        os.thpError = SimulatedOs.EPERM;
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().os(os).option(Option.ALLOW_THP, 0).build()) {
            assertEquals(dev.nalloc.api.Mode.FAST, a.mode()); // built (the start-up work is the test)
            assertEquals(1, messages(log, "nalloc: could not turn transparent huge pages off (allow_thp=0): ").size(),
                    log.messages()::toString);
        }
        os.thpCalls.clear();
        try (Allocator a = TestAllocators.builder().os(os).build()) {
            assertEquals(dev.nalloc.api.Mode.FAST, a.mode()); // built (the start-up work is the test)
            assertEquals(List.of(), os.thpCalls, "allow_thp=1 (the default) leaves THP alone");
        }
    }

    @Test
    void largeOsPagesBackArenasWhenTheOsHasThemAndArePinned() {
        SimulatedOs os = new SimulatedOs();
        os.largePageSize = 2 * MIB;
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().os(os).option(Option.ALLOW_LARGE_OS_PAGES, 1)
                     .option(Option.PURGE_DELAY, 0).build()) {
            assertEquals(List.of("nalloc: arenas use large OS pages of 2048 KiB where the OS can give them"),
                    messages(log, "nalloc: arenas use large"));
            long p = a.malloc(20 * MIB);
            MemoryArena arena = arenas(a).get(0);
            assertTrue(arena.pinned() && arena.contains(p));
            a.free(p);
            a.collect(true);
            assertEquals(0, os.decommittedIn(arena.base(), arena.size()), "large pages are never purged");
        }
    }

    @Test
    void largeOsPagesRequestedWithoutAnyFallsBackWithAMessage() {
        SimulatedOs os = new SimulatedOs();
        os.largePageSize = 0;
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().os(os).option(Option.ALLOW_LARGE_OS_PAGES, 1).build()) {
            assertEquals(List.of("nalloc: large OS pages requested (allow_large_os_pages) but the OS has none; "
                    + "arenas use regular pages"), messages(log, "nalloc: large OS pages"));
            long p = a.malloc(20 * MIB);
            assertFalse(arenas(a).get(0).pinned());
            a.free(p);
        }
    }

    @Test
    void largeOsPagesOnThisMachineFallBackInTheOsLayerWhenItsPoolIsEmpty() throws Exception {
        Path pool = Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
        assumeTrue(System.getProperty("os.name").startsWith("Linux"));
        assumeTrue(!Files.exists(pool) || Files.readString(pool).trim().equals("0"), "the machine has free 2 MiB pages");
        try (Allocator a = TestAllocators.builder().option(Option.ALLOW_LARGE_OS_PAGES, 1).build()) {
            long p = a.malloc(20 * MIB);
            assertTrue(p != 0);
            TestAllocators.fill(p, 20 * MIB, 1);
            MemoryArena arena = arenas(a).get(0);
            assertFalse(arena.pinned(), "regular pages (the Linux layer fell back from MAP_HUGETLB): purgeable");
            a.free(p);
        }
    }

    @Test
    void verboseOnLogsAtInfoOffAtDebug() {
        SimulatedOs os = new SimulatedOs();
        // What the engine chose for an option it was given (large OS pages) is said at info level with
        // verbose, at debug level without.
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().os(os).option(Option.VERBOSE, 1)
                     .option(Option.ALLOW_LARGE_OS_PAGES, 1).build()) {
            assertEquals(dev.nalloc.api.Mode.FAST, a.mode()); // built (the start-up work is the test)
            assertEquals("INFO", log.levels().get(0));
        }
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().os(os).option(Option.ALLOW_LARGE_OS_PAGES, 1).build()) {
            assertEquals(dev.nalloc.api.Mode.FAST, a.mode()); // built (the start-up work is the test)
            assertEquals("DEBUG", log.levels().get(0));
        }
    }

    @Test
    void reserveOsMemoryAtStartFallsBackToArenasOnDemandWithAMessage() {
        SimulatedOs os = new SimulatedOs();
        os.failReservations = true;
        dev.nalloc.spi.ErrorHandler.Capturing errors = new dev.nalloc.spi.ErrorHandler.Capturing();
        try (LogCapture log = LogCapture.of("dev.nalloc.core");
             Allocator a = TestAllocators.builder().os(os).errorHandler(errors).option(Option.RETRY_ON_OOM, 0)
                     .option(Option.RESERVE_OS_MEMORY, 2 * BLOCK).build()) {
            assertEquals(List.of("nalloc: could not reserve " + 2 * BLOCK + " bytes of OS memory at start "
                    + "(reserve_os_memory); arenas are reserved on demand"), messages(log, "nalloc: could not reserve"));
            assertEquals(0, arenas(a).getVolatileCount());
            os.failReservations = false;
            long p = a.malloc(100);
            assertTrue(p != 0 && arenas(a).getVolatileCount() == 1, "an arena on demand");
            a.free(p);
        }
    }

    @Test
    void disallowOsAllocUsesOnlyTheArenaReservedAtStart() {
        SimulatedOs os = new SimulatedOs();
        try (Allocator a = TestAllocators.builder().os(os).option(Option.RESERVE_OS_MEMORY, 2 * BLOCK)
                .option(Option.DISALLOW_OS_ALLOC, 1).build()) {
            assertEquals(1, StatsProbes.osAllocations(TestEngines.of(a).stats()), "the start reservation");
            long p1 = a.malloc(20 * MIB);
            long p2 = a.malloc(20 * MIB);
            assertTrue(p1 != 0 && p2 != 0);
            assertEquals(0, a.malloc(20 * MIB), "no OS memory beyond the arena");
            assertEquals(1, StatsProbes.osAllocations(TestEngines.of(a).stats()));
            a.free(p1);
            a.free(p2);
        }
    }
}
