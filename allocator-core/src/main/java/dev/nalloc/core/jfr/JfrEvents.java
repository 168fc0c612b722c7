package dev.nalloc.core.jfr;

import dev.nalloc.api.AllocatorStats;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

import java.lang.ref.WeakReference;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Emits Nalloc's JFR events ({@code dev.nalloc.*}; see docs/statistics.md). Every method returns at
 * once unless Flight Recorder is initialized: merely loading an event class costs a fraction of a
 * second, so no event class is touched before a recording exists. All callers are slow paths (the
 * sampled-allocation event comes from the leak detection layer, which exists only when it is on).
 */
public final class JfrEvents {

    private static final Set<WeakReference<StatsSource>> SOURCES = ConcurrentHashMap.newKeySet();
    private static volatile boolean listening;

    private JfrEvents() {
    }

    private static boolean recording() {
        return FlightRecorder.isInitialized();
    }

    /**
     * Adds an instance to the periodic {@code dev.nalloc.Statistics} event. The first call hooks
     * into Flight Recorder's initialization (at once when it runs already).
     */
    public static WeakReference<StatsSource> register(StatsSource source) {
        WeakReference<StatsSource> ref = new WeakReference<>(source);
        SOURCES.add(ref);
        if (!listening) {
            synchronized (JfrEvents.class) {
                if (!listening) {
                    listening = true;
                    FlightRecorder.addListener(new FlightRecorderListener() {
                        @Override
                        public void recorderInitialized(FlightRecorder recorder) {
                            startStatisticsThread();
                        }
                    });
                }
            }
        }
        return ref;
    }

    /**
     * Not {@code FlightRecorder.addPeriodicEvent}: a periodic event registered after a recording
     * started (always the case with {@code -XX:StartFlightRecording}, which starts before any
     * allocator exists) never runs in that recording. A daemon thread emits instead, while the event
     * is enabled.
     */
    private static void startStatisticsThread() {
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
                if (!SOURCES.isEmpty() && new StatisticsEvent().isEnabled()) {
                    emitStatistics();
                }
            }
        }, "nalloc-jfr-statistics");
        t.setDaemon(true);
        t.start();
    }

    private static volatile long periodMillis = 1000;

    /** The interval of the statistics event (default one second); for tests and tuning. */
    static void setStatisticsPeriod(java.time.Duration period) {
        periodMillis = Math.max(1, period.toMillis());
    }

    /** Removes an instance from the periodic event (it closed). */
    public static void unregister(WeakReference<StatsSource> ref) {
        SOURCES.remove(ref);
    }

    /** A named count's current value, or 0 (read through the API: the JFR layer sits below the statistics). */
    private static long current(AllocatorStats st, String key) {
        AllocatorStats.Count c = st.counts().get(key);
        return c == null ? 0 : c.current();
    }

    private static void emitStatistics() {
        for (WeakReference<StatsSource> ref : SOURCES) {
            StatsSource s = ref.get();
            if (s == null) {
                SOURCES.remove(ref);
                continue;
            }
            AllocatorStats st = s.statsForEvent();
            if (st == null) {
                continue;
            }
            StatisticsEvent e = new StatisticsEvent();
            e.allocator = s.statsName();
            e.reserved = st.reserved();
            e.committed = st.committed();
            e.osCommitted = st.osCommitted();
            e.resident = st.resident();
            e.allocated = st.allocated();
            e.allocatedPeak = st.allocatedPeak();
            e.allocationCount = st.allocationCount();
            e.segments = current(st, "segments");
            e.pages = current(st, "pages");
            e.arenas = current(st, "arenas");
            e.threads = current(st, "threads");
            e.genericCalls = st.counters().getOrDefault("generic_calls", 0L);
            e.mmapCalls = st.counters().getOrDefault("mmap_calls", 0L);
            e.purged = st.counters().getOrDefault("purged_bytes", 0L);
            e.commit();
        }
    }

    public static void segmentAllocated(String allocator, long address, long size, boolean huge, boolean fromArena) {
        if (recording()) {
            SegmentAllocatedEvent e = new SegmentAllocatedEvent();
            if (e.shouldCommit()) {
                e.range(allocator, address, size);
                e.huge = huge;
                e.fromArena = fromArena;
                e.commit();
            }
        }
    }

    public static void segmentFreed(String allocator, long address, long size, boolean huge, boolean toArena) {
        if (recording()) {
            SegmentFreedEvent e = new SegmentFreedEvent();
            if (e.shouldCommit()) {
                e.range(allocator, address, size);
                e.huge = huge;
                e.toArena = toArena;
                e.commit();
            }
        }
    }

    public static void arenaReserved(String allocator, long address, long size, boolean committed) {
        if (recording()) {
            ArenaReservedEvent e = new ArenaReservedEvent();
            if (e.shouldCommit()) {
                e.range(allocator, address, size);
                e.committed = committed;
                e.commit();
            }
        }
    }

    public static void arenaReleased(String allocator, long address, long size) {
        if (recording()) {
            ArenaReleasedEvent e = new ArenaReleasedEvent();
            if (e.shouldCommit()) {
                e.range(allocator, address, size);
                e.commit();
            }
        }
    }

    public static void purged(String allocator, long address, long size, boolean decommit) {
        if (recording()) {
            PurgeEvent e = new PurgeEvent();
            if (e.shouldCommit()) {
                e.range(allocator, address, size);
                e.decommit = decommit;
                e.commit();
            }
        }
    }

    public static void outOfMemory(String allocator, String message) {
        if (recording()) {
            OutOfMemoryEvent e = new OutOfMemoryEvent();
            if (e.shouldCommit()) {
                e.allocator = allocator;
                e.message = message;
                e.commit();
            }
        }
    }

    /** Leak detection recorded an allocation (the event's stack trace is the allocating code's). */
    public static void allocationSampled(String allocator, long address, long size) {
        if (recording()) {
            AllocationSampleEvent e = new AllocationSampleEvent();
            if (e.shouldCommit()) {
                e.allocator = allocator;
                e.address = address;
                e.size = size;
                e.commit();
            }
        }
    }

    public static void misuse(String allocator, String kind, long address, String message) {
        if (recording()) {
            MisuseEvent e = new MisuseEvent();
            if (e.shouldCommit()) {
                e.allocator = allocator;
                e.kind = kind;
                e.address = address;
                e.message = message;
                e.commit();
            }
        }
    }
}
