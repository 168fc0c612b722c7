package dev.nalloc.api;

import java.util.Locale;

/**
 * The runtime options, modelled on mimalloc's option table. Each is read from the environment
 * variable {@code NALLOC_<NAME>} and the system property {@code nalloc.<name>} (the property wins),
 * or set on a builder with {@link AllocatorBuilder#option(Option, long)}.
 *
 * <p>Values are {@code long}s: booleans are 0/1 (text {@code true/false}, {@code on/off},
 * {@code yes/no}, {@code 1/0}), sizes are bytes (text may carry {@code KiB}, {@code MiB},
 * {@code GiB}, or {@code K/M/G}), durations are milliseconds, {@link #MODE} is the ordinal
 * of a {@link Mode} (text {@code fast}, {@code checked}, {@code secure}) and {@link #LEAK_DETECTION}
 * the ordinal of a {@link LeakDetection} (text {@code off}, {@code sampled}, {@code all}).
 */
public enum Option {
    /** Print error messages (through SLF4J at error level). */
    SHOW_ERRORS(Kind.BOOLEAN, 0),
    /** Print statistics when the process exits. */
    SHOW_STATS(Kind.BOOLEAN, 0),
    /** Print verbose messages (through SLF4J at info level). */
    VERBOSE(Kind.BOOLEAN, 0),
    /** Error messages printed at most (then suppressed). */
    MAX_ERRORS(Kind.NUMBER, 32),
    /** Warning messages printed at most (then suppressed). */
    MAX_WARNINGS(Kind.NUMBER, 32),
    /** Huge (1 GiB) OS pages to reserve at start. */
    RESERVE_HUGE_OS_PAGES(Kind.NUMBER, 0),
    /** Reserve the huge OS pages on this NUMA node only (-1: spread over all nodes). */
    RESERVE_HUGE_OS_PAGES_AT(Kind.NUMBER, -1),
    /** Bytes of OS memory to reserve as an arena at start. */
    RESERVE_OS_MEMORY(Kind.SIZE, 0),
    /** Use large OS pages (2 MiB) when available. */
    ALLOW_LARGE_OS_PAGES(Kind.BOOLEAN, 0),
    /** Purging decommits memory (MADV_DONTNEED); otherwise it only resets it (MADV_FREE). */
    PURGE_DECOMMITS(Kind.BOOLEAN, 1),
    /** Size of each arena reserved from the OS. */
    ARENA_RESERVE(Kind.SIZE, 1L << 30),
    /** Milliseconds to wait for memory when the OS says it has none, before giving up. */
    RETRY_ON_OOM(Kind.MILLIS, 400),
    /** Collect (deferred frees, retired pages) every this many generic allocations. */
    GENERIC_COLLECT(Kind.NUMBER, 10_000),
    /** Leave transparent huge pages enabled for the process (Linux prctl). */
    ALLOW_THP(Kind.BOOLEAN, 1),
    /** Guarded sampling: blocks at least this large are eligible. */
    GUARDED_MIN(Kind.SIZE, 0),
    /** Guarded sampling: blocks at most this large are eligible. */
    GUARDED_MAX(Kind.SIZE, 1L << 30),
    /** Guarded sampling: place the block right against the guard page, even if misaligned. */
    GUARDED_PRECISE(Kind.BOOLEAN, 0),
    /** Guarded sampling: put one in N eligible blocks against a guard page (0: never). */
    GUARDED_SAMPLE_RATE(Kind.NUMBER, 0),
    /** Guarded sampling: the seed of the sampling (0: random). */
    GUARDED_SAMPLE_SEED(Kind.NUMBER, 0),
    /**
     * A thread about to map a new segment while it owns this many abandons the segments of its
     * full pages first (down to three quarters), and reclaims none beyond it (0: no target).
     */
    TARGET_SEGMENTS_PER_THREAD(Kind.NUMBER, 0),
    /** Commit segments eagerly (after {@link #EAGER_COMMIT_DELAY} segments per thread). */
    EAGER_COMMIT(Kind.BOOLEAN, 1),
    /** The first N segments of a thread are committed on demand even with eager commit. */
    EAGER_COMMIT_DELAY(Kind.NUMBER, 1),
    /** Commit arenas eagerly: 0 no, 1 yes, 2 only where the OS overcommits. */
    ARENA_EAGER_COMMIT(Kind.NUMBER, 2),
    /** Purge the free pages of abandoned segments right away. */
    ABANDONED_PAGE_PURGE(Kind.BOOLEAN, 0),
    /** Milliseconds before freed memory is purged (-1: never, 0: at once). */
    PURGE_DELAY(Kind.MILLIS, 10),
    /** NUMA nodes to use (0: all the machine has). */
    USE_NUMA_NODES(Kind.NUMBER, 0),
    /** Never allocate from the OS directly; only from reserved arenas. */
    DISALLOW_OS_ALLOC(Kind.BOOLEAN, 0),
    /**
     * macOS: the tag of the instance's mappings ({@code VM_MAKE_TAG}, shown by {@code vmmap} and
     * Instruments), 100 to 255; other systems have no such tag and ignore it.
     */
    OS_TAG(Kind.NUMBER, 100),
    /** Percentage of abandoned segments a thread may try to reclaim in one search. */
    MAX_SEGMENT_RECLAIM(Kind.NUMBER, 10),
    /** Give all memory back when the process exits (also memory of live blocks). */
    DESTROY_ON_EXIT(Kind.BOOLEAN, 0),
    /** Arena purges wait this multiple of {@link #PURGE_DELAY}. */
    ARENA_PURGE_MULT(Kind.NUMBER, 10),
    /** Reclaim an abandoned segment when one of its blocks is freed. */
    ABANDONED_RECLAIM_ON_FREE(Kind.BOOLEAN, 0),
    /** Extend a pending purge delay when frees keep coming. */
    PURGE_EXTEND_DELAY(Kind.BOOLEAN, 1),
    /** Never allocate from arenas (only directly from the OS). */
    DISALLOW_ARENA_ALLOC(Kind.BOOLEAN, 0),
    /** Let heap visits include the blocks of abandoned segments. */
    VISIT_ABANDONED(Kind.BOOLEAN, 0),
    /** The {@link Mode}, as its ordinal. */
    MODE(Kind.MODE, 0),
    /**
     * Register every instance as the MBean {@code dev.nalloc:type=Allocator,name=<name>} when it is
     * built, and unregister it at close (needs {@code allocator-stats} on the class or module path).
     */
    JMX(Kind.BOOLEAN, 1),
    /**
     * Leak detection: record the allocating stack of allocations, kept until the block is freed
     * ({@code off}, {@code sampled}, {@code all}: a {@link LeakDetection}, as its ordinal). Fixed when
     * an instance is built; off adds nothing to malloc and free.
     */
    LEAK_DETECTION(Kind.LEVEL, 0),
    /** Leak detection {@code sampled}: one allocation in this many is recorded, at random (1: all). */
    LEAK_SAMPLE_RATE(Kind.NUMBER, 1000),
    /** Leak detection: frames kept of each allocating stack (1..1024). */
    LEAK_STACK_DEPTH(Kind.NUMBER, 16),
    /**
     * Leak detection: live records kept at most (Java heap: about 92 bytes each, measured, plus each
     * distinct stack once); allocations beyond it are counted as unrecorded.
     */
    LEAK_MAX_RECORDS(Kind.NUMBER, 1_000_000),
    /**
     * Install a HotSpot compiler directive, once per process, that keeps the engine's slow-path
     * helpers out of the compiled code of the engine's other methods (through the JDK's
     * DiagnosticCommand MBean), when an instance is built while the platform MBean server runs (the
     * program uses JMX, or {@code allocator-stats} registers the instance): it is never started for
     * this. Once installed, it stays.
     */
    JIT_DIRECTIVES(Kind.BOOLEAN, 1);

    /** How an option's value is written and read. */
    public enum Kind {
        /** 0 or 1; text {@code true/false}, {@code on/off}, {@code yes/no}, {@code 1/0}. */
        BOOLEAN,
        /** An integer. */
        NUMBER,
        /** Bytes; text may carry a unit ({@code 64KiB}, {@code 32MiB}, {@code 1GiB}, or {@code K/M/G}). */
        SIZE,
        /** Milliseconds ({@code -1} for never). */
        MILLIS,
        /** The ordinal of a {@link Mode}; text {@code fast}, {@code checked}, {@code secure}. */
        MODE,
        /** A {@link LeakDetection} level as its ordinal; text {@code off}, {@code sampled}, {@code all}. */
        LEVEL
    }

    private final Kind kind;
    private final long defaultValue;

    Option(Kind kind, long defaultValue) {
        this.kind = kind;
        this.defaultValue = defaultValue;
    }

    /** {@return how the option's value is written and read} */
    public Kind kind() {
        return kind;
    }

    /** {@return the value when neither the environment nor a builder sets one} */
    public long defaultValue() {
        return defaultValue;
    }

    /** {@return the lower-case name, e.g. {@code purge_delay}} It is used in system properties: {@code nalloc.purge_delay}. */
    public String optionName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@return the environment variable, e.g. {@code NALLOC_PURGE_DELAY}} */
    public String environmentVariable() {
        return "NALLOC_" + name();
    }

    /** {@return the system property, e.g. {@code nalloc.purge_delay}} */
    public String systemProperty() {
        return "nalloc." + optionName();
    }

    /** {@return the form a value must take, for messages} */
    public String acceptedForm() {
        return switch (kind) {
            case BOOLEAN -> "true/false, on/off, yes/no or 1/0";
            case NUMBER -> "an integer";
            case SIZE -> "a byte count, optionally with a unit: 64KiB, 32MiB, 1GiB (or K, M, G)";
            case MILLIS -> "milliseconds as an integer (-1 for never)";
            case MODE -> "fast, checked or secure";
            case LEVEL -> "off, sampled or all";
        };
    }

    /**
     * Parses a textual value of this option.
     *
     * @param text the value as written in the environment or a property
     * @return the value
     * @throws IllegalArgumentException when the text is not of the {@link #acceptedForm() accepted form}
     */
    public long parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty value");
        }
        return switch (kind) {
            case BOOLEAN -> switch (t) {
                case "1", "true", "on", "yes", "enable", "enabled" -> 1L;
                case "0", "false", "off", "no", "disable", "disabled" -> 0L;
                default -> throw new IllegalArgumentException("not a boolean");
            };
            case NUMBER, MILLIS -> Long.parseLong(t);
            case SIZE -> parseSize(t);
            case MODE -> Mode.parse(t).ordinal();
            case LEVEL -> LeakDetection.parse(t).ordinal();
        };
    }

    private static long parseSize(String t) {
        int end = t.length();
        long unit = 1;
        String[][] units = {{"kib", "10"}, {"mib", "20"}, {"gib", "30"}, {"tib", "40"},
                {"kb", "10"}, {"mb", "20"}, {"gb", "30"}, {"tb", "40"},
                {"k", "10"}, {"m", "20"}, {"g", "30"}, {"t", "40"}, {"b", "0"}};
        for (String[] u : units) {
            if (t.endsWith(u[0])) {
                end = t.length() - u[0].length();
                unit = 1L << Integer.parseInt(u[1]);
                break;
            }
        }
        long n = Long.parseLong(t.substring(0, end).trim());
        if (n < 0) {
            throw new IllegalArgumentException("negative size");
        }
        if (n > Long.MAX_VALUE / unit) {
            throw new IllegalArgumentException("size too large");
        }
        return n * unit;
    }

    /**
     * True when the option may be changed on a running instance ({@link Allocator#setOption}),
     * mimalloc's options that are read where they act rather than once at start: messages,
     * purging, collection, reclaiming, OS retries and where segments come from. The others are
     * fixed when an instance is built (what it reserves and sets up at start, its mode and checks,
     * how it commits and which memory it may visit).
     *
     * @return true for the options {@link Allocator#setOption} accepts
     */
    public boolean isRuntime() {
        return RUNTIME.contains(this);
    }

    private static final java.util.Set<Option> RUNTIME = java.util.EnumSet.of(SHOW_ERRORS, VERBOSE, MAX_ERRORS,
            PURGE_DECOMMITS, PURGE_DELAY, ARENA_PURGE_MULT, PURGE_EXTEND_DELAY, RETRY_ON_OOM, GENERIC_COLLECT,
            ARENA_RESERVE, MAX_SEGMENT_RECLAIM, ABANDONED_RECLAIM_ON_FREE, ABANDONED_PAGE_PURGE,
            DISALLOW_OS_ALLOC, DISALLOW_ARENA_ALLOC, TARGET_SEGMENTS_PER_THREAD);
}
