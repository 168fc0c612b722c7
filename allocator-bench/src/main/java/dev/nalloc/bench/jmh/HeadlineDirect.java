package dev.nalloc.bench.jmh;

import dev.nalloc.api.Allocator;
import dev.nalloc.bench.peer.MimallocPeer;
import dev.nalloc.bench.peer.NettyPeer;
import dev.nalloc.bench.peer.Peers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The headline's 64-byte allocate + release for the Java peers used the way their own APIs
 * intend (no address table in between): Netty ByteBufs and the JDK's arenas, and Nalloc called
 * the way its users write it ({@code Allocator} in a {@code static final} field, or in an
 * object's field), without the peer interface that {@link Headline} puts in front of every
 * allocator for a same-path comparison; mimalloc's downcalls on the same direct path beside them.
 */
public class HeadlineDirect extends JmhDefaults {

    /** How applications hold the allocator: a constant. */
    private static final Allocator NALLOC = Allocator.global();

    /** The global allocator in a field of a state object (a receiver the JIT cannot fold). */
    @State(Scope.Benchmark)
    public static class Nalloc {
        Allocator allocator;

        @Setup(Level.Trial)
        public void open() {
            allocator = Allocator.global();
        }
    }

    @Benchmark
    public long nallocStaticFinal() {
        long p = NALLOC.malloc(64);
        NALLOC.free(p);
        return p;
    }

    /** mimalloc through its static final downcall handles, no peer interface: the same-path partner of {@link #nallocStaticFinal}. */
    @Benchmark
    public long mimallocStatic() {
        long p = MimallocPeer.directMalloc(64);
        MimallocPeer.directFree(p);
        return p;
    }

    @Benchmark
    public long nallocField(Nalloc nalloc) {
        long p = nalloc.allocator.malloc(64);
        nalloc.allocator.free(p);
        return p;
    }

    /** Fresh Netty allocators, as the peers use. */
    @State(Scope.Benchmark)
    public static class Netty {
        ByteBufAllocator pooled;
        ByteBufAllocator adaptive;

        @Setup(Level.Trial)
        public void open() {
            pooled = ((NettyPeer) Peers.open("netty-pooled")).allocator();
            adaptive = ((NettyPeer) Peers.open("netty-adaptive")).allocator();
        }
    }

    @Benchmark
    public boolean nettyPooledDirectBuffer(Netty netty) {
        ByteBuf buffer = netty.pooled.directBuffer(64);
        return buffer.release();
    }

    @Benchmark
    public boolean nettyAdaptiveDirectBuffer(Netty netty) {
        ByteBuf buffer = netty.adaptive.directBuffer(64);
        return buffer.release();
    }

    @Benchmark
    public long arenaConfined() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(64, 16);
            return segment.address();
        }
    }

    @Benchmark
    public long arenaShared() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment segment = arena.allocate(64, 16);
            return segment.address();
        }
    }
}
