package dev.nalloc.spi;

/**
 * How the link word of a free block is stored. FAST mode stores the next address as it is;
 * SECURE mode encodes it with per-page keys so that a forged or overwritten link is detected.
 */
public interface FreeListEncoding {

    /**
     * Encodes a link for storage.
     *
     * @param next  the address of the next free block, or 0
     * @param block the address of the block the link is stored in
     * @param key0  the page's first key
     * @param key1  the page's second key
     * @return the word to store
     */
    long encode(long next, long block, long key0, long key1);

    /**
     * Decodes a stored link; the inverse of {@link #encode}.
     *
     * @param stored the stored word
     * @param block  the address of the block it was read from
     * @param key0   the page's first key
     * @param key1   the page's second key
     * @return the address of the next free block, or 0
     */
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
