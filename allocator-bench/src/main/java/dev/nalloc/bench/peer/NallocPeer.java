package dev.nalloc.bench.peer;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.LeakDetection;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;

import java.util.OptionalLong;
import java.util.ServiceConfigurationError;

/**
 * Nalloc through its public API only. FAST uses {@link Allocator#global()}; SECURE and CHECKED an
 * instance built with {@code Allocator.builder().mode(...)}.
 */
public final class NallocPeer implements AllocatorUnderTest {

    private final Allocator allocator;
    private final boolean owned;
    private final String name;

    private NallocPeer(String name, Allocator allocator, boolean owned) {
        this.name = name;
        this.allocator = allocator;
        this.owned = owned;
    }

    /** The global allocator (FAST unless the environment says otherwise). */
    static NallocPeer global() {
        try {
            return new NallocPeer("nalloc", Allocator.global(), false);
        } catch (RuntimeException | LinkageError | ServiceConfigurationError e) {
            throw new PeerUnavailableException(Peers.nallocHint("nalloc", e), e);
        }
    }

    /** An independent SECURE-mode instance. */
    static NallocPeer secure() {
        return ofMode("nalloc-secure", Mode.SECURE);
    }

    /** An independent CHECKED-mode instance. */
    static NallocPeer checked() {
        return ofMode("nalloc-checked", Mode.CHECKED);
    }

    private static NallocPeer ofMode(String name, Mode mode) {
        try {
            return new NallocPeer(name, Allocator.builder().mode(mode).build(), true);
        } catch (UnsupportedOperationException e) {
            throw new PeerUnavailableException(name + ": skipped — this Nalloc engine does not offer " + mode + " mode ("
                    + e.getMessage() + ")", e);
        } catch (RuntimeException | LinkageError | ServiceConfigurationError e) {
            throw new PeerUnavailableException(Peers.nallocHint(name, e), e);
        }
    }

    /**
     * An independent FAST-mode instance with option {@code leak_detection} at {@code level} (other
     * options at their defaults: {@code leak_sample_rate} 1000): what leak detection costs.
     */
    static NallocPeer leakDetection(LeakDetection level) {
        String name = "nalloc-leak-" + level.name().toLowerCase(java.util.Locale.ROOT);
        try {
            return new NallocPeer(name, Allocator.builder().mode(Mode.FAST)
                    .option(Option.LEAK_DETECTION, level.ordinal()).build(), true);
        } catch (RuntimeException | LinkageError | ServiceConfigurationError e) {
            throw new PeerUnavailableException(Peers.nallocHint(name, e), e);
        }
    }

    /**
     * Wraps an allocator instance the caller built (for example with particular options).
     *
     * @param owned whether {@link #close()} closes the instance
     */
    public static NallocPeer wrap(String name, Allocator allocator, boolean owned) {
        return new NallocPeer(name, allocator, owned);
    }

    /** The allocator behind this peer (benchmarks use it directly). */
    public Allocator allocator() {
        return allocator;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long malloc(long size) {
        return allocator.malloc(size);
    }

    @Override
    public void free(long address) {
        allocator.free(address);
    }

    @Override
    public long realloc(long address, long newSize) {
        return allocator.realloc(address, newSize);
    }

    @Override
    public long calloc(long count, long size) {
        return allocator.calloc(count, size);
    }

    @Override
    public boolean supportsAligned() {
        return true;
    }

    @Override
    public long mallocAligned(long size, long alignment) {
        return allocator.mallocAligned(size, alignment);
    }

    @Override
    public long usableSize(long address) {
        return allocator.usableSize(address);
    }

    @Override
    public OptionalLong committedBytes() {
        return OptionalLong.of(allocator.stats().committed());
    }

    @Override
    public void threadDone() {
        allocator.threadDone();
    }

    @Override
    public void close() {
        if (owned) {
            allocator.close();
        }
    }
}
