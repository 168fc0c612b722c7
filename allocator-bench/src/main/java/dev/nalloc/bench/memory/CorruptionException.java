package dev.nalloc.bench.memory;

/** A workload found a block whose contents changed while it was live: the allocator corrupted memory. */
public final class CorruptionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CorruptionException(String message) {
        super(message);
    }
}
