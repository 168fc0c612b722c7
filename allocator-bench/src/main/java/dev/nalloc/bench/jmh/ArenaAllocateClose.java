package dev.nalloc.bench.jmh;

import dev.nalloc.api.Allocator;
import dev.nalloc.bench.peer.NallocPeer;
import dev.nalloc.bench.peer.Peers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.lang.foreign.Arena;

/** Open an arena, allocate {@code segments} segments of 64 B, close it: Nalloc's newArena() against the JDK's. */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class ArenaAllocateClose extends JmhDefaults {

    @Param({"1", "16"})
    public int segments;

    /** Nalloc, opened only for its own benchmark so the JDK's still runs without the engine. */
    @State(Scope.Benchmark)
    public static class Nalloc {
        Allocator allocator;

        @Setup(Level.Trial)
        public void open() {
            allocator = ((NallocPeer) Peers.open("nalloc")).allocator();
        }
    }

    @Benchmark
    public long nallocNewArena(Nalloc nalloc) {
        return fill(nalloc.allocator.newArena());
    }

    @Benchmark
    public long jdkOfConfined() {
        return fill(Arena.ofConfined());
    }

    private long fill(Arena arena) {
        long sum = 0;
        try (arena) {
            for (int i = 0; i < segments; i++) {
                sum += arena.allocate(64, 8).address();
            }
        }
        return sum;
    }
}
