package dev.nalloc.bench.runner;

import dev.nalloc.bench.peer.AllocatorUnderTest;

import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Polls an allocator's committed-bytes figure in the background and keeps the peak; also keeps the
 * highest live heap the JVM's collections left behind meanwhile ({@link HeapMeter#afterLastCollections()}).
 */
public final class CommitSampler implements AutoCloseable {

    private static final long PERIOD_MILLIS = 20;

    private final AllocatorUnderTest peer;
    private final AtomicLong peak = new AtomicLong(-1);
    private final AtomicLong heapPeak = new AtomicLong(-1);
    private final Thread thread;
    private volatile boolean running = true;

    public CommitSampler(AllocatorUnderTest peer) {
        this.peer = peer;
        sample();
        this.thread = Thread.ofPlatform().daemon().name("commit-sampler").start(() -> {
            while (running) {
                sample();
                try {
                    Thread.sleep(PERIOD_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    private void sample() {
        OptionalLong committed = peer.committedBytes();
        if (committed.isPresent()) {
            peak.accumulateAndGet(committed.getAsLong(), Math::max);
        }
        heapPeak.accumulateAndGet(HeapMeter.afterLastCollections(), Math::max);
    }

    /** The highest live heap (bytes) any collection left while sampling, or -1 when none ran. */
    public long heapPeak() {
        return heapPeak.get();
    }

    /** The highest committed figure seen, or -1 when the allocator cannot say. */
    public long peak() {
        return peak.get();
    }

    /** Stops sampling after one last sample. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
    }
}
