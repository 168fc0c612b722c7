package dev.nalloc.bench.workload;

import dev.nalloc.bench.memory.NativeMemory;
import dev.nalloc.bench.peer.AllocatorUnderTest;
import dev.nalloc.bench.peer.Peers;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * A deliberately broken allocator for tests: every {@code period}-th malloc hands out a block
 * that is still live (the most recent live one at least as large as asked), as a buggy
 * allocator with a corrupted free list would. With {@code period == 1} every small request
 * gets the same block. Real memory comes from glibc; duplicates are reference counted so the
 * test process itself never double-frees.
 */
final class CorruptingAllocator implements AllocatorUnderTest {

    private final AllocatorUnderTest real = Peers.open("glibc");
    private final int period;
    private final Map<Long, Integer> references = new HashMap<>();
    private final Map<Long, Long> sizes = new HashMap<>();
    private final Deque<Long> recent = new ArrayDeque<>();
    private long calls;
    private long duplicates;

    CorruptingAllocator(int period) {
        this.period = period;
    }

    long duplicates() {
        return duplicates;
    }

    @Override
    public String name() {
        return "corrupting";
    }

    @Override
    public synchronized long malloc(long size) {
        if (++calls % period == 0) {
            for (Long candidate : recent) {
                if (references.containsKey(candidate) && sizes.get(candidate) >= size) {
                    references.merge(candidate, 1, Integer::sum);
                    duplicates++;
                    return candidate;
                }
            }
        }
        long p = real.malloc(Math.max(size, 1));
        references.put(p, 1);
        sizes.put(p, size);
        recent.addFirst(p);
        if (recent.size() > 64) {
            recent.removeLast();
        }
        return p;
    }

    @Override
    public synchronized void free(long address) {
        if (address == 0) {
            return;
        }
        int left = references.merge(address, -1, Integer::sum);
        if (left == 0) {
            references.remove(address);
            sizes.remove(address);
            recent.remove(address);
            real.free(address);
        }
    }

    @Override
    public synchronized long realloc(long address, long newSize) {
        long fresh = malloc(newSize);
        if (address != 0) {
            NativeMemory.copy(address, fresh, Math.min(sizes.getOrDefault(address, 0L), newSize));
            free(address);
        }
        return fresh;
    }

    @Override
    public synchronized long usableSize(long address) {
        return sizes.getOrDefault(address, -1L);
    }
}
