package dev.nalloc.spi.conformance;

import dev.nalloc.api.Allocator;
import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine (whatever {@link dev.nalloc.spi.AllocatorProvider} is found, so an engine such as
 * {@code allocator-core} must be a test dependency) over an OS layer whose memory this process can
 * read and write, with a kernel that can count what it holds (a simulated one, typically): blocks
 * of every size class stay intact, threads free each other's blocks, and a closed allocator gives
 * every byte of address space back to the kernel (its statistics read zero at once; the engine
 * keeps the address space, contents dropped, until the instance is unreachable, so that threads
 * still inside a call never touch unmapped memory).
 *
 * <p>Each test starts a fresh {@link Kernel} and closes it at the end. Tests view the engine's
 * blocks with {@code MemorySegment.reinterpret}: run them with native access enabled.
 */
public abstract class EngineOnOsLayerConformance {

    static {
        JUnitAccess.openThisPackage();
    }

    private static final long[] SIZES = {8, 24, 100, 1000, 5000, 70_000, 600_000, 3_000_000};

    /**
     * A kernel for one test and the OS layer over it.
     *
     * @param os               the OS layer over the kernel
     * @param addressSpaceHeld bytes of address space the kernel has handed out and not had back
     *                         (mappings, reservations)
     * @param memoryHeld       bytes of memory the kernel charges to the process (footprint, commit)
     * @param kernel           closed when the test ends
     */
    public record Kernel(OsPrimitives os, LongSupplier addressSpaceHeld, LongSupplier memoryHeld,
                            AutoCloseable kernel) implements AutoCloseable {

        /** Closes the kernel. */
        @Override
        public void close() {
            try {
                kernel.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the kernel failed", e);
            }
        }
    }

    /** A fresh kernel with its OS layer. */
    protected abstract Kernel startKernel();

    private static Allocator allocatorOver(Kernel kernel) {
        return Allocator.builder().os(kernel.os()).readEnvironment(false).build();
    }

    @Test
    @Timeout(60)
    void blocksOfEverySizeAreUsableAndCloseReleasesEverything() {
        try (Kernel kernel = startKernel()) {
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
            live.forEach(EngineOnOsLayerConformance::check);
            for (long[] b : live) {
                allocator.free(b[0]);
            }
            allocator.free(aligned);
            assertTrue(kernel.addressSpaceHeld().getAsLong() > 0);
            allocator.close();
            assertEquals(0, allocator.stats().reserved());
            allocator = null;
            awaitReleased(kernel);
        }
    }

    /** Once the closed allocator is unreachable, the kernel has every byte back. */
    private static void awaitReleased(Kernel kernel) {
        long until = System.nanoTime() + 30_000_000_000L;
        while ((kernel.addressSpaceHeld().getAsLong() != 0 || kernel.memoryHeld().getAsLong() != 0)
                && System.nanoTime() < until) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        assertEquals(0, kernel.addressSpaceHeld().getAsLong(), "the closed allocator left address space held");
        assertEquals(0, kernel.memoryHeld().getAsLong(), "the closed allocator left memory held");
    }

    @Test
    @Timeout(60)
    void threadsAllocateAndFreeEachOthersBlocks() throws Exception {
        try (Kernel kernel = startKernel()) {
            Allocator[] instance = {allocatorOver(kernel)}; // dropped at the end: the tasks must not keep it
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<long[]>> made = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int seed = t;
                    made.add(pool.submit(() -> {
                        long[] blocks = new long[2000];
                        for (int i = 0; i < blocks.length; i++) {
                            long size = SIZES[(i + seed) % 6];
                            blocks[i] = instance[0].malloc(size);
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
                            instance[0].free(b);
                        }
                    }));
                }
                for (Future<?> f : freed) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
                pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS); // its threads' data goes with them
            }
            instance[0].collect(true);
            instance[0].close();
            assertEquals(0, instance[0].stats().reserved());
            instance[0] = null;
            awaitReleased(kernel);
        }
    }

    @SuppressWarnings("restricted") // views the engine's blocks
    private static MemorySegment block(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    private static void fill(long address, long size, byte value) {
        block(address, size).fill(value);
    }

    private static void check(long[] block) {
        MemorySegment m = block(block[0], block[1]);
        assertEquals((byte) block[2], m.get(JAVA_BYTE, 0));
        assertEquals((byte) block[2], m.get(JAVA_BYTE, block[1] - 1));
    }
}
