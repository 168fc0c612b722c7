package dev.nalloc.core.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * A shared event counter (mimalloc's {@code mi_stat_counter_t}) for slow-path events that any
 * thread may count: OS calls, purges, errors. Striped, so concurrent counting does not contend.
 */
public final class EventCounter {

    private final LongAdder total = new LongAdder();

    /** Made by the instance's statistics ({@link EngineStats}). */
    EventCounter() {
    }

    void add(long n) {
        total.add(n);
    }

    void increment() {
        total.increment();
    }

    public long get() {
        return total.sum();
    }
}
