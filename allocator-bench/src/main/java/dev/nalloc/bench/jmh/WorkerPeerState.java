package dev.nalloc.bench.jmh;

import dev.nalloc.bench.peer.AllocatorUnderTest;
import dev.nalloc.bench.peer.Peers;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The allocator as a program's worker threads meet it: opened, and touched once (a malloc and a
 * free), on a thread of its own that stays alive for the whole trial, like an application's main
 * thread at start-up. The benchmark threads that then do the work are never the first to touch it.
 */
@State(Scope.Benchmark)
public class WorkerPeerState {

    @Param({"nalloc", "mimalloc", "glibc", "tcmalloc"})
    public String peer;

    public AllocatorUnderTest allocator;

    private Thread main;
    private final CountDownLatch end = new CountDownLatch(1);

    @Setup(Level.Trial)
    public void open() throws InterruptedException {
        AtomicReference<AllocatorUnderTest> opened = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(1);
        main = Thread.ofPlatform().name("app-main").daemon(true).start(() -> {
            try {
                AllocatorUnderTest a = Peers.open(peer);
                a.free(a.malloc(64));
                opened.set(a);
            } catch (Throwable t) {
                failed.set(t);
            } finally {
                ready.countDown();
            }
            try {
                end.await(); // alive until the trial ends, as a program's main thread is
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ready.await();
        if (failed.get() != null) {
            throw new IllegalStateException("cannot open " + peer, failed.get());
        }
        allocator = opened.get();
    }

    @TearDown(Level.Trial)
    public void close() throws InterruptedException {
        end.countDown();
        main.join();
        allocator.close();
    }
}
