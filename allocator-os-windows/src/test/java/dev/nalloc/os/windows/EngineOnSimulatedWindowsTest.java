package dev.nalloc.os.windows;

import dev.nalloc.api.Allocator;
import dev.nalloc.spi.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine (allocator-core) over the Windows layer over the simulated kernel: Windows' rules
 * (no partial free, 64 KiB granularity, decommit needing recommit) hold for a whole allocator, and
 * closing it gives every reservation back.
 */
@SuppressWarnings("restricted") // views the engine's blocks
class EngineOnSimulatedWindowsTest {

    private static final long[] SIZES = {8, 24, 100, 1000, 5000, 70_000, 600_000, 3_000_000};

    private static Allocator allocatorOver(SimulatedWindowsKernel kernel) {
        return Allocator.builder().os(new WindowsOsPrimitives(new Platform("Windows 11", "amd64"), kernel))
                .readEnvironment(false).build();
    }

    @Test
    @Timeout(60)
    void blocksOfEverySizeAreUsableAndCloseReleasesEverything() {
        try (SimulatedWindowsKernel kernel = new SimulatedWindowsKernel(SimulatedWindowsKernel.Config.standard())) {
            Allocator allocator = allocatorOver(kernel);
            List<long[]> live = new ArrayList<>();
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < 4000; i++) {
                long size = SIZES[random.nextInt(SIZES.length)];
                long p = allocator.malloc(size);
                assertNotEquals(0, p, "malloc(" + size + ")");
                fill(p, size, (byte) i);
                live.add(new long[]{p, size, (byte) i});
                if (random.nextInt(3) == 0) {
                    long[] victim = live.remove(random.nextInt(live.size()));
                    check(victim);
                    allocator.free(victim[0]);
                }
            }
            long aligned = allocator.mallocAligned(1000, 1 << 20);
            assertEquals(0, aligned % (1 << 20));
            fill(aligned, 1000, (byte) 1);
            live.forEach(EngineOnSimulatedWindowsTest::check);
            live.forEach(b -> allocator.free(b[0]));
            allocator.free(aligned);
            assertTrue(kernel.reservedBytes() > 0);
            allocator.close();
            assertEquals(0, kernel.reservedBytes(), "closing the allocator left reservations");
            assertEquals(0, kernel.committedBytes());
        }
    }

    @Test
    @Timeout(60)
    void threadsAllocateAndFreeEachOthersBlocks() throws Exception {
        try (SimulatedWindowsKernel kernel = new SimulatedWindowsKernel(SimulatedWindowsKernel.Config.standard())) {
            Allocator allocator = allocatorOver(kernel);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<long[]>> made = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int seed = t;
                    made.add(pool.submit(() -> {
                        long[] blocks = new long[2000];
                        for (int i = 0; i < blocks.length; i++) {
                            long size = SIZES[(i + seed) % 6];
                            blocks[i] = allocator.malloc(size);
                            fill(blocks[i], size, (byte) seed);
                        }
                        return blocks;
                    }));
                }
                List<Future<?>> freed = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    long[] blocks = made.get((t + 1) % 4).get(); // freed by another thread than the one that made them
                    freed.add(pool.submit(() -> {
                        for (long b : blocks) {
                            allocator.free(b);
                        }
                    }));
                }
                for (Future<?> f : freed) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            allocator.collect(true);
            allocator.close();
            assertEquals(0, kernel.reservedBytes(), "closing the allocator left reservations");
        }
    }

    private static void fill(long address, long size, byte value) {
        MemorySegment.ofAddress(address).reinterpret(size).fill(value);
    }

    private static void check(long[] block) {
        MemorySegment m = MemorySegment.ofAddress(block[0]).reinterpret(block[1]);
        assertEquals((byte) block[2], m.get(JAVA_BYTE, 0));
        assertEquals((byte) block[2], m.get(JAVA_BYTE, block[1] - 1));
    }
}
