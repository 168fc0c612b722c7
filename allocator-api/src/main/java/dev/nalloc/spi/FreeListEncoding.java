package dev.nalloc.spi;

/**
 * How the link word of a free block is stored. FAST mode stores the next address as it is;
 * SECURE mode encodes it with per-page keys so that a forged or overwritten link is detected.
 */
public interface FreeListEncoding {

    /** Encodes {@code next} for storage in the block at {@code block} of a page with these keys. */
    long encode(long next, long block, long key0, long key1);

    /** Decodes a stored link; the inverse of {@link #encode}. */
    long decode(long stored, long block, long key0, long key1);

    /** The identity encoding. */
    FreeListEncoding PLAIN = new FreeListEncoding() {
        @Override
        public long encode(long next, long block, long key0, long key1) {
            return next;
        }

        @Override
        public long decode(long stored, long block, long key0, long key1) {
            return stored;
        }
    };
}
