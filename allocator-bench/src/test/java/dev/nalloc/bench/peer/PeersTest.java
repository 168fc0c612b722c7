package dev.nalloc.bench.peer;

import dev.nalloc.bench.memory.NativeMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PeersTest {

    @Test
    void aMissingNativeLibraryIsOneSkipLineThatSaysHowToInstallIt() {
        PeerUnavailableException e = assertThrows(PeerUnavailableException.class,
                () -> Downcalls.library("libnalloc-no-such-allocator.so.9", Peers.installHint("mimalloc")));
        assertEquals("mimalloc: skipped — its library is not installed; install it with: "
                + "apt-get install -y libmimalloc2.0 libjemalloc2 libtcmalloc-minimal4", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aMissingNallocEngineIsOneSkipLineNamingTheVariantAndTheModulesToInstall() {
        assertEquals("nalloc-secure: skipped — no usable Nalloc engine (java.lang.IllegalStateException: no Nalloc "
                        + "engine found); build and install it with: "
                        + "mvn -B -q -pl allocator-api,allocator-os-linux,allocator-core install -DskipTests",
                Peers.nallocHint("nalloc-secure", new IllegalStateException("no Nalloc engine found")));
    }

    @Test
    void jemallocOutsideAPreloadedJvmIsSkippedWithThePreloadHint() {
        assumeTrue(!JemallocPeer.preloaded(), "this test JVM runs with jemalloc preloaded");
        PeerUnavailableException e = assertThrows(PeerUnavailableException.class, () -> Peers.open("jemalloc"));
        assertTrue(e.getMessage().startsWith("jemalloc: skipped here — it runs only in a JVM started with LD_PRELOAD="),
                e.getMessage());
    }

    @Test
    void jemallocSpecAsksForLdPreloadOfItsLibraryInTheChild() {
        PeerSpec spec = Peers.named("jemalloc");
        Optional<java.nio.file.Path> lib = Downcalls.locate(JemallocPeer.SONAME);
        if (lib.isPresent()) {
            assertEquals(lib.get().toString(), spec.childEnvironment().get("LD_PRELOAD"));
            assertEquals(Optional.empty(), spec.skipLine());
        } else {
            assertEquals(Optional.of(Peers.installHint("jemalloc")), spec.skipLine());
        }
    }

    @Test
    void unknownPeerNamesTheKnownOnes() {
        var e = assertThrows(java.util.NoSuchElementException.class, () -> Peers.named("hoard"));
        assertTrue(e.getMessage().startsWith("unknown allocator 'hoard'; known: [nalloc, nalloc-secure, nalloc-checked, mimalloc"),
                e.getMessage());
    }

    @Test
    void everySkipLineIsASingleLineNamingThePeer() {
        for (PeerSpec spec : Peers.all()) {
            spec.skipLine().ifPresent(line -> {
                assertTrue(line.startsWith(spec.name() + ": skipped"), line);
                assertFalse(line.contains("\n"), line);
            });
        }
    }

    @Test
    void catalogListsTheRequiredPeersWithNallocFirst() {
        List<String> names = Peers.all().stream().map(PeerSpec::name).toList();
        assertEquals("nalloc", names.get(0));
        assertTrue(names.containsAll(List.of("nalloc-secure", "nalloc-checked", "mimalloc", "glibc", "tcmalloc", "jemalloc", "unsafe",
                "jdk-arena", "jdk-arena-shared", "netty-pooled", "netty-adaptive")));
    }

    @Test
    void theNallocPeerIsTheGlobalAllocatorAndClosingItLeavesItOpen() {
        for (int round = 0; round < 2; round++) {
            AllocatorUnderTest peer = Peers.open("nalloc");
            assertTrue(((NallocPeer) peer).allocator() == dev.nalloc.api.Allocator.global(), "the global instance itself");
            long p = peer.malloc(64);
            assertTrue(peer.usableSize(p) >= 64);
            peer.free(p);
            peer.close(); // not owned: the global allocator stays usable for the next peer
        }
        dev.nalloc.api.Allocator.global().free(dev.nalloc.api.Allocator.global().malloc(8));
    }

    @Test
    void aWrappedInstanceIsItsOwnAndClosedWithThePeerWhenOwned() {
        dev.nalloc.api.Allocator instance = dev.nalloc.api.Allocator.builder().build();
        NallocPeer peer = NallocPeer.wrap("nalloc-wrapped", instance, true);
        assertTrue(peer.allocator() == instance);
        assertEquals("nalloc-wrapped", peer.name());
        peer.free(peer.malloc(64));
        peer.close();
        assertThrows(IllegalStateException.class, () -> instance.malloc(64));
    }

    @Test
    void theModePeersRunTheirMode() {
        for (String name : List.of("nalloc-secure", "nalloc-checked")) {
            assertEquals(Optional.empty(), Peers.named(name).skipLine(), name);
            try (AllocatorUnderTest peer = Peers.open(name)) {
                dev.nalloc.api.Mode expected = name.endsWith("secure") ? dev.nalloc.api.Mode.SECURE : dev.nalloc.api.Mode.CHECKED;
                assertEquals(expected, ((NallocPeer) peer).allocator().mode());
                long p = peer.malloc(100);
                assertTrue(peer.usableSize(p) >= 100);
                peer.free(p);
            }
        }
    }

    @Test
    void theLeakDetectionPeersRunTheirLevelAndAreNotInTheDefaultSelection() {
        for (dev.nalloc.api.LeakDetection level : dev.nalloc.api.LeakDetection.values()) {
            String name = "nalloc-leak-" + level.name().toLowerCase(java.util.Locale.ROOT);
            PeerSpec spec = Peers.named(name);
            assertEquals(Optional.empty(), spec.skipLine(), name);
            assertFalse(spec.inWorkloads(), name + " runs only when named");
            try (AllocatorUnderTest peer = spec.open()) {
                dev.nalloc.api.Allocator a = ((NallocPeer) peer).allocator();
                assertEquals(dev.nalloc.api.Mode.FAST, a.mode());
                long p = peer.malloc(100);
                // all records every block; off none; sampled one in 1000 (100 blocks would be a flaky check)
                if (level != dev.nalloc.api.LeakDetection.SAMPLED) {
                    assertEquals(level == dev.nalloc.api.LeakDetection.ALL ? 1 : 0, a.leakReport().blocks(), name);
                }
                assertEquals(level, a.leakReport().level(), name);
                peer.free(p);
                assertTrue(a.leakReport().isEmpty(), name);
            }
        }
    }

    @Test
    void unsafeIsAvailableBecauseTheTestJvmAllowsIt() {
        assertTrue(UnsafePeer.allowed(), "surefire passes " + UnsafePeer.FLAG);
        assertEquals(Optional.empty(), Peers.named("unsafe").skipLine());
    }

    /** The basic contract every in-process peer must keep for the workloads to be meaningful. */
    @ParameterizedTest
    @ValueSource(strings = {"glibc", "mimalloc", "tcmalloc", "unsafe", "jdk-arena", "jdk-arena-shared",
            "netty-pooled", "netty-adaptive", "nalloc", "nalloc-leak-sampled", "nalloc-leak-all"})
    void mallocReallocCallocFreeKeepContents(String name) {
        PeerSpec spec = Peers.named(name);
        assumeTrue(spec.skipLine().isEmpty(), () -> spec.skipLine().orElse(""));
        try (AllocatorUnderTest peer = spec.open()) {
            assertEquals(name, peer.name());
            long p = peer.malloc(100);
            assertTrue(p != 0);
            for (int i = 0; i < 100; i++) {
                NativeMemory.putByte(p + i, (byte) i);
            }
            long usable = peer.usableSize(p);
            assertTrue(usable == -1 || usable >= 100, "usable " + usable);
            long q = peer.realloc(p, 5000);
            for (int i = 0; i < 100; i++) {
                assertEquals((byte) i, NativeMemory.getByte(q + i));
            }
            peer.freeSized(q, 5000);
            long z = peer.calloc(10, 100);
            for (int i = 0; i < 1000; i++) {
                assertEquals(0, NativeMemory.getByte(z + i));
            }
            peer.free(z);
            if (peer.supportsAligned()) {
                long a = peer.mallocAligned(64, 4096);
                assertEquals(0, a % 4096);
                peer.free(a);
            } else {
                assertThrows(UnsupportedOperationException.class, () -> peer.mallocAligned(64, 4096));
            }
        }
    }

    @Test
    void glibcMimallocAndTcmallocReportCommittedBytes() {
        for (String name : List.of("glibc", "mimalloc", "tcmalloc")) {
            PeerSpec spec = Peers.named(name);
            if (spec.skipLine().isEmpty()) {
                try (AllocatorUnderTest peer = spec.open()) {
                    long p = peer.malloc(1 << 20);
                    assertTrue(peer.committedBytes().orElseThrow() > 0, name);
                    peer.free(p);
                }
            }
        }
    }

    @Test
    void javaPeersFreeingUnknownAddressesFailWithTheirName() {
        try (AllocatorUnderTest arena = Peers.open("jdk-arena")) {
            var e = assertThrows(IllegalArgumentException.class, () -> arena.free(0x1000));
            assertEquals("jdk-arena: free of an unknown address 0x1000", e.getMessage());
            assertFalse(arena.freesFromAnyThread());
        }
        try (AllocatorUnderTest netty = Peers.open("netty-pooled")) {
            var e = assertThrows(IllegalArgumentException.class, () -> netty.free(0x1000));
            assertEquals("netty-pooled: free of an unknown address 0x1000", e.getMessage());
        }
    }

    @Test
    void versionsComeFromPackagesOrLibraries() {
        assertTrue(PeerVersions.glibc().startsWith("glibc 2."), PeerVersions.glibc());
        assertTrue(PeerVersions.netty().startsWith("Netty 4.2."), PeerVersions.netty());
        assertTrue(PeerVersions.jdk().startsWith("JDK 25"), PeerVersions.jdk());
        if (Downcalls.locate(MimallocPeer.SONAME).isPresent()) {
            assertTrue(PeerVersions.mimalloc().contains("libmimalloc.so.2"), PeerVersions.mimalloc());
        }
    }
}
