package dev.nalloc.bench.peer;

import dev.nalloc.api.LeakDetection;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Supplier;

/** The catalog of allocators under test, Nalloc first (the baseline of every relative number). */
public final class Peers {

    /** The Debian packages that provide the native peers. */
    public static final String APT_INSTALL = "apt-get install -y libmimalloc2.0 libjemalloc2 libtcmalloc-minimal4";

    private Peers() {
    }

    /** Every known peer, in report order. */
    public static List<PeerSpec> all() {
        List<PeerSpec> peers = new ArrayList<>();
        peers.add(inProcess("nalloc", "Nalloc FAST, Allocator.global()", NallocPeer::global, PeerVersions::nalloc, true));
        peers.add(inProcess("nalloc-secure", "Nalloc SECURE, Allocator.builder().mode(SECURE)", NallocPeer::secure,
                PeerVersions::nalloc, true));
        peers.add(inProcess("nalloc-checked", "Nalloc CHECKED, Allocator.builder().mode(CHECKED)", NallocPeer::checked,
                PeerVersions::nalloc, true));
        peers.add(inProcess("mimalloc", "mimalloc via FFM (mi_malloc/mi_free)", MimallocPeer::new,
                PeerVersions::mimalloc, true));
        peers.add(inProcess("glibc", "glibc malloc via FFM", GlibcPeer::new, PeerVersions::glibc, true));
        peers.add(inProcess("tcmalloc", "gperftools tcmalloc via FFM (tc_malloc/tc_free)", TcmallocPeer::new,
                PeerVersions::tcmalloc, true));
        peers.add(jemalloc());
        peers.add(inProcess("unsafe", "sun.misc.Unsafe.allocateMemory/freeMemory", UnsafePeer::new,
                PeerVersions::jdk, true));
        peers.add(inProcess("jdk-arena", "one Arena.ofConfined() per block, free = close", () -> new JdkArenaPeer(false),
                PeerVersions::jdk, true));
        peers.add(inProcess("jdk-arena-shared", "one Arena.ofShared() per block, free = close",
                () -> new JdkArenaPeer(true), PeerVersions::jdk, false));
        peers.add(inProcess("netty-pooled", "Netty PooledByteBufAllocator direct buffers, free = release",
                NettyPeer::pooled, PeerVersions::netty, true));
        peers.add(inProcess("netty-adaptive", "Netty AdaptiveByteBufAllocator direct buffers, free = release",
                NettyPeer::adaptive, PeerVersions::netty, true));
        // What leak detection costs (issue 17): not in the default selection, name them with peers=...
        // or -p peer=...; "off" is an instance built with the option set, to set against "nalloc".
        for (LeakDetection level : LeakDetection.values()) {
            peers.add(inProcess("nalloc-leak-" + level.name().toLowerCase(Locale.ROOT),
                    "Nalloc FAST, Allocator.builder().option(LEAK_DETECTION, " + level + ")",
                    () -> NallocPeer.leakDetection(level), PeerVersions::nalloc, false));
        }
        return List.copyOf(peers);
    }

    /** The peer with this name. */
    public static PeerSpec named(String name) {
        return all().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("unknown allocator '" + name + "'; known: "
                        + all().stream().map(PeerSpec::name).toList()));
    }

    /** Opens the named peer in this JVM. */
    public static AllocatorUnderTest open(String name) {
        return named(name).open();
    }

    /** The skip line of a native peer whose library is missing. */
    static String installHint(String peer) {
        return peer + ": skipped — its library is not installed; install it with: " + APT_INSTALL;
    }

    /** The skip line when the Nalloc engine cannot be built. */
    static String nallocHint(String peer, Throwable cause) {
        return peer + ": skipped — no usable Nalloc engine (" + cause + "); build and install it with: "
                + "mvn -B -q -pl allocator-api,allocator-os-linux,allocator-core install -DskipTests";
    }

    private static PeerSpec inProcess(String name, String description, Supplier<AllocatorUnderTest> opener,
                                      Supplier<String> version, boolean inWorkloads) {
        Supplier<Optional<String>> availability = () -> {
            try (AllocatorUnderTest peer = opener.get()) {
                return Optional.empty();
            } catch (PeerUnavailableException e) {
                return Optional.of(e.getMessage());
            } catch (RuntimeException | LinkageError e) {
                return Optional.of(name + ": skipped — " + e);
            }
        };
        return new PeerSpec(name, description, opener, availability, Map.of(), version, inWorkloads);
    }

    private static PeerSpec jemalloc() {
        Optional<String> library = Downcalls.locate(JemallocPeer.SONAME).map(Object::toString);
        Supplier<Optional<String>> availability = () -> library.isPresent()
                ? Optional.empty() : Optional.of(installHint("jemalloc"));
        Map<String, String> env = library.map(path -> Map.of("LD_PRELOAD", path)).orElse(Map.of());
        return new PeerSpec("jemalloc", "jemalloc via LD_PRELOAD + FFM (plain malloc/free)", JemallocPeer::new,
                availability, env, PeerVersions::jemalloc, true);
    }
}
