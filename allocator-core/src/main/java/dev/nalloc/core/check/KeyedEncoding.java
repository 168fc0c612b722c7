package dev.nalloc.core.check;

import dev.nalloc.core.page.KeyedLinks;
import dev.nalloc.spi.FreeListEncoding;

/**
 * The free-list encoding of CHECKED and SECURE instances: a link is xor-ed with the page's first
 * key and the address of the block that holds it, rotated by the second key and offset by it. The
 * keys are random per page, so a value written into a free block (a use-after-free, an overflow
 * from the neighbour) decodes to an address that is almost never a block of the page, and the
 * engine refuses to follow it; and the same link in two blocks is stored differently.
 */
public final class KeyedEncoding implements FreeListEncoding {

    /** The one instance (it has no state: the keys are the page's). */
    public static final KeyedEncoding INSTANCE = new KeyedEncoding();

    private KeyedEncoding() {
    }

    @Override
    public long encode(long next, long block, long key0, long key1) {
        return KeyedLinks.encode(next, block, key0, key1);
    }

    @Override
    public long decode(long stored, long block, long key0, long key1) {
        return KeyedLinks.decode(stored, block, key0, key1);
    }
}
