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
 *
 * <p>The global allocator is held in a {@code static final} ({@link Global}), as applications hold
 * it and as the native peers hold their downcall handles ({@link NativePeer}): the JIT sees a
 * constant and binds the calls to it. Read from an instance field, as the other instances are
 * ({@link Instance}), every call would first load the field and check its class, and Nalloc's
 * thread-to-heap lookup would then wait for that load, where a native peer's lookup (thread-local
 * storage) depends on nothing the adapter holds. Every peer still gets the same harness: one
 * interface call on the peer object per malloc and per free. JMH forks a JVM per peer, so each call
 * site sees one of the two classes.
 */
public abstract sealed class NallocPeer implements AllocatorUnderTest permits NallocPeer.Global, NallocPeer.Instance {

    private final boolean owned;
    private final String name;

    private NallocPeer(String name, boolean owned) {
        this.name = name;
        this.owned = owned;
    }

    /** {@link Allocator#global()} as a constant. */
    static final class Global extends NallocPeer {
        private static final Allocator GLOBAL = Allocator.global();

        private Global() {
            super("nalloc", false);
        }

        @Override
        public Allocator allocator() {
            return GLOBAL;
        }
    }

    /** An instance the peer was given or built. */
    static final class Instance extends NallocPeer {
        private final Allocator allocator;

        private Instance(String name, Allocator allocator, boolean owned) {
            super(name, owned);
            this.allocator = allocator;
        }

        @Override
        public Allocator allocator() {
            return allocator;
        }
    }

    /** The global allocator (FAST unless the environment says otherwise). */
    static NallocPeer global() {
        try {
            Allocator.global(); // fails here, not in Global's class initialization, when there is no engine
            return new Global();
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
            return new Instance(name, Allocator.builder().mode(mode).build(), true);
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
            return new Instance(name, Allocator.builder().mode(Mode.FAST)
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
        return new Instance(name, allocator, owned);
    }

    /** The allocator behind this peer (benchmarks use it directly). */
    public abstract Allocator allocator();

    @Override
    public String name() {
        return name;
    }

    @Override
    public long malloc(long size) {
        return allocator().malloc(size);
    }

    @Override
    public void free(long address) {
        allocator().free(address);
    }

    @Override
    public long realloc(long address, long newSize) {
        return allocator().realloc(address, newSize);
    }

    @Override
    public long calloc(long count, long size) {
        return allocator().calloc(count, size);
    }

    @Override
    public boolean supportsAligned() {
        return true;
    }

    @Override
    public long mallocAligned(long size, long alignment) {
        return allocator().mallocAligned(size, alignment);
    }

    @Override
    public long usableSize(long address) {
        return allocator().usableSize(address);
    }

    @Override
    public OptionalLong committedBytes() {
        return OptionalLong.of(allocator().stats().committed());
    }

    @Override
    public void threadDone() {
        allocator().threadDone();
    }

    @Override
    public void close() {
        if (owned) {
            allocator().close();
        }
    }
}
