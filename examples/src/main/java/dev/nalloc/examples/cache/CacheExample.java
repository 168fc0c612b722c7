package dev.nalloc.examples.cache;

import java.nio.charset.StandardCharsets;

/** Fills an {@link OffHeapCache} past its budget and reads it back. */
public final class CacheExample {

    private CacheExample() {
    }

    /**
     * Runs the example.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        try (OffHeapCache cache = new OffHeapCache(1 << 20)) { // 1 MiB of values
            for (int i = 0; i < 10_000; i++) {
                byte[] value = ("value " + i + " ").repeat(1 + i % 40).getBytes(StandardCharsets.UTF_8);
                if (!cache.put("key" + i, value)) {
                    throw new IllegalStateException("out of memory");
                }
            }
            byte[] newest = cache.get("key9999");
            if (newest == null || !new String(newest, StandardCharsets.UTF_8).startsWith("value 9999 ")) {
                throw new IllegalStateException("the newest value is lost");
            }
            if (cache.get("key0") != null) {
                throw new IllegalStateException("the oldest value was not evicted");
            }
            System.out.printf("cache: %d values, %d bytes of values, %d live blocks, %d bytes committed%n",
                    cache.size(), cache.usedBytes(), cache.stats().allocationCount(), cache.stats().committed());
        }
        System.out.println("cache example done");
    }
}
