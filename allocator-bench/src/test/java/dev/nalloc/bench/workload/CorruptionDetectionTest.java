package dev.nalloc.bench.workload;

import dev.nalloc.bench.memory.CorruptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An allocator that hands out live blocks twice must make every workload fail, not pass silently. */
class CorruptionDetectionTest {

    @ParameterizedTest
    @ValueSource(strings = {"larson", "larson-sized", "mstress", "xmalloc-test", "cache-scratch", "alloc-test",
            "glibc-simple", "glibc-thread", "rptest", "malloc-large", "mleak"})
    void duplicateLiveBlocksAreCaught(String name) {
        CorruptingAllocator broken = new CorruptingAllocator(name.equals("cache-scratch") ? 1 : 3);
        CorruptionException e = assertThrows(CorruptionException.class,
                () -> Workloads.named(name).run(broken, TinySettings.of(name)));
        assertTrue(e.getMessage().startsWith("memory corruption: "), e.getMessage());
        assertTrue(broken.duplicates() > 0);
    }

    /** cache-thrash keeps one block per thread; a block shared by two live owners shows when they overlap in time. */
    @Test
    void cacheThrashCatchesABlockSharedBetweenThreads() {
        boolean caught = false;
        for (int attempt = 0; attempt < 5 && !caught; attempt++) {
            CorruptingAllocator shared = new CorruptingAllocator(1);
            try {
                new CacheLocality(false).run(shared, TinySettings.of("cache-thrash")
                        .with("iterations", "200").with("repetitions", "40000"));
            } catch (CorruptionException e) {
                caught = e.getMessage().startsWith("memory corruption: ");
            }
        }
        assertTrue(caught, "cache-thrash never noticed two threads writing one block");
    }
}
