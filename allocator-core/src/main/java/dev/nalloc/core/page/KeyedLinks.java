package dev.nalloc.core.page;

/**
 * The default encoding of the links of encoded pages (CHECKED and SECURE; see
 * {@link dev.nalloc.core.check.KeyedEncoding}, the {@link dev.nalloc.spi.FreeListEncoding} that
 * names it): a link is xor-ed with the page's first key and the address of the block that holds
 * it, rotated by the second key and offset by it. Static, and its rotations written as shifts (C2
 * makes them one rotate instruction), so that the pages' links compute it without a call in every
 * compiler tier (PageShapeTest).
 */
public final class KeyedLinks {

    private KeyedLinks() {
    }

    public static long encode(long next, long block, long key0, long key1) {
        long x = next ^ key0 ^ block;
        int k = (int) key1;
        return ((x << k) | (x >>> -k)) + key1;
    }

    public static long decode(long stored, long block, long key0, long key1) {
        long x = stored - key1;
        int k = (int) key1;
        return ((x >>> k) | (x << -k)) ^ key0 ^ block;
    }
}
