package dev.nalloc.core.leak;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A counting filter of the addresses that have a record (leak detection {@code sampled}): a free
 * of an address whose counter is zero has no record, which spares the record table's lookup on
 * nearly every free. Never a false "no": a counter goes up before its record is added and down
 * after it is removed. 64 Ki counters (256 KiB): with n live records about n / 65536 of the frees
 * of unrecorded blocks look the table up for nothing.
 */
final class RecordFilter {

    private static final int BITS = 16;
    private final AtomicIntegerArray counts = new AtomicIntegerArray(1 << BITS);

    private static int slot(long address) {
        return (int) ((address * 0x9E3779B97F4A7C15L) >>> (64 - BITS));
    }

    boolean mayContain(long address) {
        return counts.get(slot(address)) != 0;
    }

    void add(long address) {
        counts.getAndIncrement(slot(address));
    }

    void remove(long address) {
        counts.getAndDecrement(slot(address));
    }

    void clear() {
        for (int i = 0; i < counts.length(); i++) {
            counts.set(i, 0);
        }
    }
}
