package dev.nalloc.bench.peer;

import dev.nalloc.bench.memory.NativeMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JDK's own arenas used as a malloc: every block is a segment of its own
 * {@link Arena#ofConfined()} (or {@link Arena#ofShared()}) arena and free closes that arena.
 * The address-to-arena table is the price of fitting them behind a malloc/free interface.
 * Confined arenas can only be closed by their owner thread, so that variant does not take part
 * in workloads that free on other threads.
 */
public final class JdkArenaPeer implements AllocatorUnderTest {

    private static final long ALIGNMENT = 16;

    private record Block(Arena arena, long size) {
    }

    private final boolean shared;
    private final Map<Long, Block> blocks = new ConcurrentHashMap<>();

    JdkArenaPeer(boolean shared) {
        this.shared = shared;
    }

    @Override
    public String name() {
        return shared ? "jdk-arena-shared" : "jdk-arena";
    }

    @Override
    public long malloc(long size) {
        Arena arena = shared ? Arena.ofShared() : Arena.ofConfined();
        MemorySegment segment;
        try {
            segment = arena.allocate(Math.max(size, 1), ALIGNMENT);
        } catch (OutOfMemoryError e) {
            arena.close();
            return 0;
        }
        blocks.put(segment.address(), new Block(arena, size));
        return segment.address();
    }

    @Override
    public void free(long address) {
        if (address == 0) {
            return;
        }
        Block block = blocks.remove(address);
        if (block == null) {
            throw new IllegalArgumentException("jdk-arena: free of an unknown address 0x" + Long.toHexString(address));
        }
        block.arena().close();
    }

    @Override
    public long realloc(long address, long newSize) {
        long fresh = malloc(newSize);
        if (address != 0 && fresh != 0) {
            NativeMemory.copy(address, fresh, Math.min(blocks.get(address).size(), newSize));
            free(address);
        }
        return fresh;
    }

    @Override
    public long usableSize(long address) {
        Block block = blocks.get(address);
        return block == null ? 0 : block.size();
    }

    @Override
    public boolean freesFromAnyThread() {
        return shared;
    }
}
