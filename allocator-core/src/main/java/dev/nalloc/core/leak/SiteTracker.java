package dev.nalloc.core.leak;

import dev.nalloc.api.AllocationSite;
import dev.nalloc.api.LeakDetection;
import dev.nalloc.api.LeakReport;
import dev.nalloc.api.Option;
import dev.nalloc.api.OptionValues;
import dev.nalloc.core.jfr.JfrEvents;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The records of leak detection (option {@code leak_detection}): for each recorded live block, its
 * allocating stack and requested size, kept on the Java heap by address (a skip list: exact lookups
 * at free, ranges at heap destroy), never in the block. Stacks are interned: each distinct stack is
 * kept once, as long as a live record uses it. At most {@code leak_max_records} records are live;
 * allocations beyond that are counted as unrecorded.
 *
 * <p>Java heap per live record, measured ({@code SiteTrackerTest}): about 92 bytes (the record,
 * its boxed address and the skip list's node and index share), plus the sampled
 * level's fixed 256 KiB filter, plus each distinct stack once (about 100 bytes per frame).
 *
 * <p>Thread-safe: any thread records, any thread forgets. The tracking layer that calls this exists
 * only in instances built with leak detection on.
 */
public final class SiteTracker {

    /** Addresses kept per site in reports. */
    static final int ADDRESSES_PER_SITE = 4;

    private static final StackWalker WALKER = StackWalker.getInstance(Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE), 24);

    private final String name;
    private final LeakDetection level;
    private final boolean all;
    private final int sampleRate;
    private final int stackDepth;
    private final long maxRecords;
    private final Set<Class<?>> skipped;
    private final ConcurrentSkipListMap<Long, Record> records = new ConcurrentSkipListMap<>();
    private final ConcurrentHashMap<SiteKey, Site> sites = new ConcurrentHashMap<>();
    private final AtomicLong live = new AtomicLong();
    private final LongAdder unrecorded = new LongAdder();
    /** Null with level {@code all}: every free looks up the table. */
    private final RecordFilter filter;
    /** Live records of aligned requests: while there are some, a free that misses looks for a block around its address. */
    private final AtomicInteger alignedRecords = new AtomicInteger();

    /**
     * @param name    the instance's name (JFR events)
     * @param options {@code leak_detection} (not off), {@code leak_sample_rate}, {@code leak_stack_depth},
     *                {@code leak_max_records}
     * @param skipped classes whose frames are dropped from the top of recorded stacks (the tracking layer)
     */
    public SiteTracker(String name, OptionValues options, Set<Class<?>> skipped) {
        this.name = name;
        this.level = LeakDetection.of(options.get(Option.LEAK_DETECTION));
        if (level == LeakDetection.OFF) {
            throw new IllegalArgumentException("nalloc: no site tracker with leak detection off");
        }
        this.all = level == LeakDetection.ALL || options.get(Option.LEAK_SAMPLE_RATE) <= 1;
        this.sampleRate = all ? 1 : (int) Math.min((long) Integer.MAX_VALUE, options.get(Option.LEAK_SAMPLE_RATE));
        this.stackDepth = (int) Math.clamp(options.get(Option.LEAK_STACK_DEPTH), 1, 1024);
        this.maxRecords = Math.max(0, options.get(Option.LEAK_MAX_RECORDS));
        this.skipped = Set.copyOf(skipped);
        this.filter = all ? null : new RecordFilter();
    }

    LeakDetection level() {
        return level;
    }

    /** Whether the allocation being made is to be recorded: always with {@code all}, one in {@code leak_sample_rate} at random otherwise. */
    public boolean sample() {
        return all || ThreadLocalRandom.current().nextInt(sampleRate) == 0;
    }

    /**
     * Records the block just allocated at {@code address} (0: nothing) for {@code size} bytes with the
     * calling thread's stack, and emits the JFR sampled-allocation event.
     *
     * @param alignment the requested alignment (1 for plain requests)
     */
    public void record(long address, long size, long alignment) {
        if (address == 0) {
            return;
        }
        if (live.incrementAndGet() > maxRecords) {
            live.decrementAndGet();
            unrecorded.increment();
            return;
        }
        Site site = intern(capture(), size);
        add(address, new Record(site, size, alignment > 8 ? alignment : 1));
        JfrEvents.allocationSampled(name, address, size);
    }

    private StackWalker.StackFrame[] capture() {
        return WALKER.walk(s -> s.dropWhile(f -> skipped.contains(f.getDeclaringClass()))
                .limit(stackDepth).toArray(StackWalker.StackFrame[]::new));
    }

    /** The site of this stack, with one more block of {@code size} bytes counted in it (made on first use). */
    private Site intern(StackWalker.StackFrame[] frames, long size) {
        return sites.compute(new SiteKey(frames), (k, s) -> {
            if (s == null) {
                s = new Site(k.compact(), k.elements());
            }
            s.blocks++;
            s.bytes += size;
            return s;
        });
    }

    /** Changes a site's counts (under the table's lock of its key); it leaves the table with its last block. */
    private void count(Site site, long blocks, long bytes) {
        sites.computeIfPresent(site.key, (k, s) -> {
            if (s != site) {
                return s; // cannot happen: a site stays while a record uses it
            }
            s.blocks += blocks;
            s.bytes += bytes;
            return s.blocks <= 0 ? null : s;
        });
    }

    /** Puts a new record in (its live count and its site's count are taken already). */
    private void add(long address, Record r) {
        if (filter != null) {
            filter.add(address); // before the record is visible: a free that finds no count finds no record
        }
        if (r.alignment() > 1) {
            alignedRecords.incrementAndGet();
        }
        Record stale = records.put(address, r);
        if (stale != null) { // a block freed where it could not be seen: its record goes now
            dropped(address, stale);
        }
    }

    /** Undoes the counts of a record taken out of the table. */
    private void dropped(long address, Record r) {
        count(r.site(), -1, -r.size());
        if (r.alignment() > 1) {
            alignedRecords.decrementAndGet();
        }
        if (filter != null) {
            filter.remove(address);
        }
        live.decrementAndGet();
    }

    /** The block at {@code address} is about to be freed: its record, if any, goes. */
    public void forget(long address) {
        Record r = take(address);
        if (r != null) {
            dropped(address, r);
        }
    }

    /**
     * Takes out the record of the block at or around {@code address} (null when it has none). The
     * counts stay until {@link #dropped}; used directly by realloc, which may put it back.
     */
    private Record take(long address) {
        if (filter != null && !filter.mayContain(address) && alignedRecords.get() == 0) {
            return null; // the sampled level's common case: no lookup
        }
        Record r = records.remove(address);
        if (r != null) {
            return r;
        }
        if (alignedRecords.get() == 0) {
            return null;
        }
        // An aligned block may be freed through any address inside it: its record is at or after the
        // block start (less than the alignment after it) and covers the requested bytes after that.
        var below = records.floorEntry(address);
        if (below != null && below.getValue().alignment() > 1 && address < below.getKey() + Math.max(below.getValue().size(), 1)
                && records.remove(below.getKey(), below.getValue())) {
            return rekey(below.getKey(), address, below.getValue());
        }
        var above = records.ceilingEntry(address);
        if (above != null && above.getValue().alignment() > 1 && above.getKey() - address < above.getValue().alignment()
                && records.remove(above.getKey(), above.getValue())) {
            return rekey(above.getKey(), address, above.getValue());
        }
        return null;
    }

    /** A record found at another address than the one freed: the filter's count moves to the freed one's, which is the one dropped. */
    private Record rekey(long recorded, long address, Record r) {
        if (filter != null && recorded != address) {
            filter.add(address);
            filter.remove(recorded);
        }
        return r;
    }

    /**
     * A realloc of {@code address} is about to run: takes its record out (null when it has none).
     * Follow with {@link #reallocated}, also when the realloc throws.
     */
    public Object beforeRealloc(long address) {
        return address == 0 ? null : take(address);
    }

    /**
     * The realloc of {@code address} (with the record {@link #beforeRealloc} took) returned
     * {@code result} for {@code newSize} bytes: the record follows the block (it keeps its site);
     * a block without one is sampled like any allocation (with this call's stack).
     *
     * @param threw the realloc threw (the block is untouched)
     */
    public void reallocated(Object taken, long address, long result, long newSize, long alignment, boolean threw) {
        Record r = (Record) taken;
        if (r == null) {
            if (!threw && result != 0 && result != address && sample()) {
                record(result, newSize, alignment);
            }
            return;
        }
        if (threw || result == 0) {
            putBack(address, r, r); // failed: the old block is untouched
            return;
        }
        if (result != address && filter != null) { // moved: the filter's count goes with the record
            filter.add(result);
            filter.remove(address);
        }
        putBack(result, r, new Record(r.site(), newSize, Math.max(alignment, 1)));
    }

    /** Puts a taken record back as {@code now} (its site's bytes adjusted). */
    private void putBack(long address, Record taken, Record now) {
        if (now.size() != taken.size()) {
            count(taken.site(), 0, now.size() - taken.size());
        }
        if (taken.alignment() > 1) {
            alignedRecords.decrementAndGet();
        }
        if (now.alignment() > 1) {
            alignedRecords.incrementAndGet();
        }
        Record stale = records.put(address, now);
        if (stale != null) {
            dropped(address, stale);
        }
    }

    /** A block resized in place ({@code expand}): its record, if any, gets the new size. */
    public void resized(long address, long newSize) {
        Record r = take(address);
        if (r != null) {
            putBack(address, r, new Record(r.site(), newSize, r.alignment()));
        }
    }

    /**
     * Every block in {@code [from, to)} is about to be freed at once (a page of a heap being
     * destroyed): their records go. Returns them, for the report.
     */
    public void forgetRange(long from, long to, Map<Long, Object> removed) {
        for (var e : records.subMap(from, to).entrySet()) {
            if (records.remove(e.getKey(), e.getValue())) {
                dropped(e.getKey(), e.getValue());
                removed.put(e.getKey(), e.getValue());
            }
        }
    }

    /** Forgets everything (the instance closed). */
    public void clear() {
        records.clear();
        sites.clear();
        live.set(0);
        alignedRecords.set(0);
        if (filter != null) {
            filter.clear();
        }
    }

    /** Live records now. */
    long liveRecords() {
        return live.get();
    }

    /** The live records grouped by site, most bytes first. */
    public LeakReport report() {
        return group(records);
    }

    /** Records taken out by {@link #forgetRange}, grouped by site. */
    public LeakReport report(Map<Long, Object> removed) {
        return group(removed);
    }

    /**
     * Groups by the printed stack: sites are interned by bytecode index (cheap to compare at every
     * record), so two calls on one source line are two sites that print alike; a report shows them as one.
     */
    private LeakReport group(Map<Long, ?> recs) {
        Map<List<StackTraceElement>, long[]> sums = new HashMap<>();
        Map<List<StackTraceElement>, List<Long>> addresses = new HashMap<>();
        Map<Site, List<StackTraceElement>> stacks = new IdentityHashMap<>();
        long blocks = 0;
        long bytes = 0;
        for (Map.Entry<Long, ?> e : recs.entrySet()) { // ascending addresses: the lowest are kept
            Record r = (Record) e.getValue();
            List<StackTraceElement> stack = stacks.computeIfAbsent(r.site(), k -> k.stack);
            long[] s = sums.computeIfAbsent(stack, k -> new long[2]);
            s[0]++;
            s[1] += r.size();
            List<Long> a = addresses.computeIfAbsent(stack, k -> new ArrayList<>());
            if (a.size() < ADDRESSES_PER_SITE) {
                a.add(e.getKey());
            }
            blocks++;
            bytes += r.size();
        }
        List<AllocationSite> list = new ArrayList<>(sums.size());
        sums.forEach((stack, s) -> list.add(new AllocationSite(stack, s[0], s[1], addresses.get(stack))));
        list.sort(Comparator.comparingLong(AllocationSite::bytes).reversed()
                .thenComparing(Comparator.comparingLong(AllocationSite::blocks).reversed()));
        return new LeakReport(level, sampleRate, blocks, bytes, unrecorded.sum(), list);
    }

    /** Distinct stacks held now (tests: they go with their last record). */
    int siteCount() {
        return sites.size();
    }
}
