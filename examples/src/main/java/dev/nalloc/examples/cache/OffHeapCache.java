package dev.nalloc.examples.cache;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;

import java.lang.foreign.MemorySegment;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A least-recently-used cache of byte values kept off the Java heap: each value is one block of an
 * allocator instance of the cache's own, so the garbage collector never sees the bytes, and
 * {@link #close()} gives all of them back to the OS at once.
 */
public final class OffHeapCache implements AutoCloseable {

    private record Entry(long address, int length) {
    }

    private final Allocator memory;
    private final long capacityBytes;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true); // access order
    private long usedBytes;

    /**
     * A cache that holds at most {@code capacityBytes} bytes of values.
     *
     * @param capacityBytes the budget; the least recently used values are evicted beyond it
     */
    public OffHeapCache(long capacityBytes) {
        this.capacityBytes = capacityBytes;
        this.memory = Allocator.builder().name("offheap-cache").build();
    }

    /**
     * Stores a copy of {@code value} under {@code key}, evicting old values beyond the budget.
     *
     * @param key   the key
     * @param value the bytes to keep
     * @return false when the allocator is out of memory (nothing stored)
     */
    public synchronized boolean put(String key, byte[] value) {
        long address = memory.malloc(value.length);
        if (address == 0) {
            return false;
        }
        MemorySegment.copy(value, 0, memory.asSegment(address, value.length), JAVA_BYTE, 0, value.length);
        Entry old = entries.put(key, new Entry(address, value.length));
        usedBytes += value.length;
        if (old != null) {
            release(old);
        }
        Iterator<Map.Entry<String, Entry>> lru = entries.entrySet().iterator();
        while (usedBytes > capacityBytes && lru.hasNext()) {
            Map.Entry<String, Entry> eldest = lru.next();
            if (!eldest.getKey().equals(key)) {
                lru.remove();
                release(eldest.getValue());
            }
        }
        return true;
    }

    /**
     * {@return a copy of the value under {@code key}, or null}
     *
     * @param key the key
     */
    public synchronized byte[] get(String key) {
        Entry e = entries.get(key);
        return e == null ? null : memory.asSegment(e.address(), e.length()).toArray(JAVA_BYTE);
    }

    /**
     * Removes the value under {@code key}.
     *
     * @param key the key
     * @return true when there was one
     */
    public synchronized boolean remove(String key) {
        Entry e = entries.remove(key);
        if (e != null) {
            release(e);
        }
        return e != null;
    }

    /** {@return the number of values} */
    public synchronized int size() {
        return entries.size();
    }

    /** {@return the bytes of values held} */
    public synchronized long usedBytes() {
        return usedBytes;
    }

    /** {@return the statistics of the cache's allocator} */
    public AllocatorStats stats() {
        return memory.stats();
    }

    private void release(Entry e) {
        usedBytes -= e.length();
        memory.free(e.address());
    }

    /** Gives every value's memory back to the OS at once. */
    @Override
    public synchronized void close() {
        entries.clear();
        usedBytes = 0;
        memory.close();
    }
}
