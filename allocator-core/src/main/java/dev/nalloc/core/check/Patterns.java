package dev.nalloc.core.check;

import dev.nalloc.core.memory.Mem;

import java.lang.foreign.MemorySegment;

/**
 * The byte patterns of CHECKED mode (mimalloc's debug fills and padding): fresh blocks read
 * {@code 0xD0}, freed blocks {@code 0xDF} except their link word, and the bytes after the
 * requested size hold a canary derived from the region's address and the instance's secret.
 */
public final class Patterns {

    /** Fill of a block when it is handed out. */
    static final byte FRESH = (byte) 0xD0;
    /** Fill of a freed block, after its link word. */
    static final byte FREED = (byte) 0xDF;
    private static final long FREED_WORD = 0xDFDFDFDFDFDFDFDFL;
    private static final long FRESH_WORD = 0xD0D0D0D0D0D0D0D0L;
    /** Fills up to this size are word stores (a bulk fill costs more for small blocks). */
    private static final long WORD_FILL_MAX = 1024;
    /**
     * Fills up to this size are a plain loop that C2 does not vectorize (see {@link #storeWords}),
     * whose set-up costs short fills more than it saves.
     */
    private static final long SCALAR_FILL_MAX = 128;
    /** Fills and their checks cover at most this many bytes of a block (large blocks: the start). */
    static final long FILL_MAX = 64 * 1024;
    /** {@link #FILL_MAX} bytes of {@link #FREED}, in Java memory: what a freed block is compared with. */
    private static final MemorySegment FREED_FILL = freedFill();
    /** The canary covers at most this many bytes after the requested size. */
    static final long CANARY_MAX = 256;

    /** True when a word store puts its low byte first (little-endian), as the canary's byte numbering does. */
    private static final boolean STORED_ORDER = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

    private final long secret;

    private static MemorySegment freedFill() {
        byte[] fill = new byte[(int) FILL_MAX];
        java.util.Arrays.fill(fill, FREED);
        return MemorySegment.ofArray(fill);
    }

    public Patterns(long secret) {
        this.secret = secret;
    }

    /** Bytes of a block of {@code blockSize} that the fills cover. */
    static long fillLength(long blockSize) {
        return Math.min(blockSize, FILL_MAX);
    }

    public static void fillFresh(long block, long blockSize) {
        fill(block, fillLength(blockSize), FRESH, FRESH_WORD);
    }

    public static void fillFreed(long block, long blockSize) {
        fill(block + 8, fillLength(blockSize) - 8, FREED, FREED_WORD);
    }

    /** Block sizes are multiples of 8, so small fills are whole words. */
    private static void fill(long address, long length, byte value, long word) {
        if (length <= SCALAR_FILL_MAX && (length & 7) == 0) {
            storeWords(address, address + length, word);
        } else if (length <= WORD_FILL_MAX && (length & 7) == 0) {
            for (long i = 0; i < length; i += 8) { // a counted loop, for C2 to vectorize
                Mem.store(address + i, word);
            }
        } else {
            Mem.fill(address, length, value);
        }
    }

    /**
     * Stores {@code word} at {@code from}, {@code from + 8}, ... up to {@code end} (exclusive;
     * {@code end - from} a multiple of 8). The loop ends on {@code !=}, which keeps it out of C2's
     * counted-loop optimizations (vectorization, unrolling): for the few words of a small block or a
     * canary they cost more than they save (PatternsShapeTest; docs/modes.md).
     */
    private static void storeWords(long from, long end, long word) {
        for (long a = from; a != end; a += 8) {
            Mem.store(a, word);
        }
    }

    /** The offset of the first byte after the link word that is not {@link #FREED}, or -1. */
    public static long firstNotFreed(long block, long blockSize) {
        long limit = fillLength(blockSize);
        if (limit > WORD_FILL_MAX) { // large blocks: one vectorized compare, faster there than the word loop
            long bad = Mem.mismatch(block + 8, limit - 8, FREED_FILL);
            return bad < 0 ? -1 : bad + 8;
        }
        long i = 8;
        for (; i + 8 <= limit; i += 8) {
            long x = Mem.load(block + i) ^ FREED_WORD;
            if (x != 0) {
                return i + firstDifferingByte(x);
            }
        }
        for (; i < limit; i++) { // a tail shorter than a word, if a block size is not a multiple of 8
            if (Mem.loadByte(block + i) != FREED) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A freed block handed out again: checks its freed fill ({@link #firstNotFreed}) and fills it
     * fresh ({@link #fillFresh}), in one pass for blocks of up to 1 KiB. Returns the offset of the
     * first byte after the link word that was not {@link #FREED}, or -1; after a non-negative
     * answer the block holds a mix of the two fills (it is quarantined, never handed out).
     */
    public static long checkFreedAndFillFresh(long block, long blockSize) {
        long limit = fillLength(blockSize);
        if (limit > WORD_FILL_MAX || (limit & 7) != 0) {
            long bad = firstNotFreed(block, blockSize);
            if (bad < 0) {
                fillFresh(block, blockSize);
            }
            return bad;
        }
        for (long i = 8; i < limit; i += 8) {
            long x = Mem.load(block + i) ^ FREED_WORD;
            if (x != 0) { // the words before were intact: the first bad byte is in this one
                return i + firstDifferingByte(x);
            }
            Mem.store(block + i, FRESH_WORD);
        }
        Mem.store(block, FRESH_WORD);
        return -1;
    }

    /**
     * The canary word of the region starting at {@code from}: byte {@code i} of the region is byte
     * {@code i & 7} of this word, rotated by the region's address so that neighbouring blocks and
     * the same block at another size differ.
     */
    private long canaryWord(long from) {
        // One multiplication (odd constant: a bijection) and a rotation that brings its best-mixed
        // high bits to the low bytes; the secret makes it unpredictable. At every free and allocation.
        return Long.rotateRight((from ^ secret) * 0x9E3779B97F4A7C15L, 29);
    }

    private static byte canaryByte(long word, long i) {
        return (byte) (word >>> ((i & 7) << 3));
    }

    /**
     * The canary's 8 bytes from offset {@code k} of the region as one word load or store reads or
     * writes them: byte {@code i} of the region is byte {@code i & 7} of {@code word}, so the word
     * at offset {@code k} is {@code word} rotated by {@code k & 7} bytes (then put in the machine's
     * byte order).
     */
    private static long storedAt(long word, long k) {
        long w = Long.rotateRight(word, (int) ((k & 7) << 3));
        return STORED_ORDER ? w : Long.reverseBytes(w);
    }

    /** The offset of the first differing byte in memory order between two stored words that differ. */
    private static long firstDifferingByte(long x) {
        return (STORED_ORDER ? Long.numberOfTrailingZeros(x) : Long.numberOfLeadingZeros(x)) >>> 3;
    }

    // Regions of 8 bytes or more (the padding guarantees it but for guarded blocks) are covered by
    // whole-word accesses from the start and one last word that ends at the region's end and may
    // overlap the one before: no byte loop, whose varying trip count costs branch mispredictions at
    // every free and allocation.

    /**
     * Where the canary's whole words from {@code from} end: the first of them at or after
     * {@code last}, the overlapping last word that ends at the region's end.
     */
    private static long wholeWordsEnd(long from, long last) {
        return from + ((last - from + 7) & -8);
    }

    /** Writes the canary over {@code [from, min(limit, from + CANARY_MAX))}. */
    public void writeCanary(long from, long limit) {
        long end = Math.min(limit, from + CANARY_MAX);
        long word = canaryWord(from);
        if (end - from < 8) {
            for (long a = from; a < end; a++) {
                Mem.storeByte(a, canaryByte(word, a - from));
            }
            return;
        }
        long last = end - 8;
        storeWords(from, wholeWordsEnd(from, last), storedAt(word, 0));
        Mem.store(last, storedAt(word, last - from));
    }

    /** The first address in {@code [from, min(limit, from + CANARY_MAX))} whose canary is broken, or -1. */
    public long firstBadCanary(long from, long limit) {
        long end = Math.min(limit, from + CANARY_MAX);
        long word = canaryWord(from);
        if (end - from < 8) {
            for (long a = from; a < end; a++) {
                if (Mem.loadByte(a) != canaryByte(word, a - from)) {
                    return a;
                }
            }
            return -1;
        }
        long stored = storedAt(word, 0);
        long last = end - 8;
        // A few words: a loop ending on != like storeWords' (not unrolled, for the same reason).
        for (long a = from, stop = wholeWordsEnd(from, last); a != stop; a += 8) {
            long x = Mem.load(a) ^ stored;
            if (x != 0) {
                return a + firstDifferingByte(x);
            }
        }
        long x = Mem.load(last) ^ storedAt(word, last - from);
        return x == 0 ? -1 : last + firstDifferingByte(x);
    }
}
