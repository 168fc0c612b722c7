package dev.nalloc.bench.jmh;

import dev.nalloc.bench.peer.AllocatorUnderTest;
import dev.nalloc.bench.peer.Peers;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The allocator a benchmark runs against, chosen with {@code -p peer=...}. JMH forks one JVM per
 * parameter value, so every call site sees exactly one implementation. jemalloc needs a JVM started
 * with {@code LD_PRELOAD} (the runner does that; from the command line prefix the command with it).
 */
@State(Scope.Benchmark)
public class PeerState {

    @Param({"nalloc", "mimalloc", "glibc", "tcmalloc", "jemalloc", "unsafe", "jdk-arena", "netty-pooled",
            "netty-adaptive"})
    public String peer;

    public AllocatorUnderTest allocator;

    @Setup(Level.Trial)
    public void open() {
        allocator = Peers.open(peer);
    }

    @TearDown(Level.Trial)
    public void close() {
        allocator.close();
    }
}
