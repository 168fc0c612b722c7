package dev.nalloc.bench.jmh;

import dev.nalloc.api.Allocator;
import dev.nalloc.bench.peer.MimallocPeer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import java.util.concurrent.CountDownLatch;

/**
 * {@link WorkerThreads} on the call path of applications, as {@link HeadlineDirect} is for the
 * headline: Nalloc as a {@code static final Allocator} and mimalloc through its static downcall
 * handles, no peer interface in between. Both are first touched on a thread of their own that
 * stays alive (an application's main thread), then the pair runs on 1, 2, 4 and 8 JMH workers;
 * scores are time per pair per thread.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class WorkerThreadsDirect extends JmhDefaults {

    private static final Allocator NALLOC = Allocator.global();

    /** Touches both allocators on an "app-main" thread that lives until the trial ends. */
    @State(Scope.Benchmark)
    public static class MainTouched {
        private final CountDownLatch end = new CountDownLatch(1);
        private Thread main;

        @Setup(Level.Trial)
        public void touch() throws InterruptedException {
            CountDownLatch ready = new CountDownLatch(1);
            main = Thread.ofPlatform().name("app-main").daemon(true).start(() -> {
                NALLOC.free(NALLOC.malloc(64));
                MimallocPeer.directFree(MimallocPeer.directMalloc(64));
                ready.countDown();
                try {
                    end.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            ready.await();
        }

        @TearDown(Level.Trial)
        public void release() throws InterruptedException {
            end.countDown();
            main.join();
        }
    }

    private static long nalloc() {
        long p = NALLOC.malloc(64);
        NALLOC.free(p);
        return p;
    }

    private static long mimalloc() {
        long p = MimallocPeer.directMalloc(64);
        MimallocPeer.directFree(p);
        return p;
    }

    @Benchmark @Threads(1) public long nalloc1(MainTouched m) { return nalloc(); }
    @Benchmark @Threads(2) public long nalloc2(MainTouched m) { return nalloc(); }
    @Benchmark @Threads(4) public long nalloc4(MainTouched m) { return nalloc(); }
    @Benchmark @Threads(8) public long nalloc8(MainTouched m) { return nalloc(); }
    @Benchmark @Threads(1) public long mimalloc1(MainTouched m) { return mimalloc(); }
    @Benchmark @Threads(2) public long mimalloc2(MainTouched m) { return mimalloc(); }
    @Benchmark @Threads(4) public long mimalloc4(MainTouched m) { return mimalloc(); }
    @Benchmark @Threads(8) public long mimalloc8(MainTouched m) { return mimalloc(); }
}
